// Readable values: hex for bytes, decoded bit fields for POLICY, PLATFORM_INFO and TCBs.
#include "describe.h"

#include <cstdio>

#include "cocos/verifier/kds/kds_url.h"
#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/vtpm/tpm_structs.h"

namespace cocos::verifier::app {

namespace {

std::string hex64(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::string policy_text(std::uint64_t p) {
  std::string s =
      hex64(p) + " (abi " + std::to_string((p >> 8) & 0xFF) + "." + std::to_string(p & 0xFF);
  const std::pair<int, const char*> bits[] = {{16, "SMT"},
                                              {17, "RESERVED1"},
                                              {18, "MIGRATE_MA"},
                                              {19, "DEBUG"},
                                              {20, "SINGLE_SOCKET"},
                                              {21, "CXL_ALLOW"},
                                              {22, "MEM_AES_256_XTS"},
                                              {23, "RAPL_DIS"},
                                              {24, "CIPHERTEXT_HIDING_DRAM"},
                                              {25, "PAGE_SWAP_DISABLE"}};
  for (const auto& [bit, name] : bits) {
    if (p & (1ull << bit)) s += std::string(" ") + name;
  }
  return s + ")";
}

std::string platform_text(std::uint64_t p) {
  std::string s = hex64(p) + " (";
  const char* names[] = {"SMT_EN",
                         "TSME_EN",
                         "ECC_EN",
                         "RAPL_DIS",
                         "CIPHERTEXT_HIDING_DRAM_EN",
                         "ALIAS_CHECK_COMPLETE",
                         "RESERVED6",
                         "TIO_EN"};
  bool first = true;
  for (int i = 0; i < 8; ++i) {
    if (p & (1ull << i)) {
      s += std::string(first ? "" : " ") + names[i];
      first = false;
    }
  }
  return s + ")";
}

// Where AMD's KDS serves the VCEK that signed the report, or why it serves none.
std::string kds_vcek_url(const snp::SnpReport& r, snp::Product prod) {
  if (r.signing_key() != 0) return "none: the report is not signed by a VCEK";
  if (r.chip_id_masked()) return "none: CHIP_ID is masked";
  if (prod == snp::Product::kUnknown) {
    return "unknown product (v2 report): cocos-verifier snp --product P --kds fetches it";
  }
  return std::string(kds::kDefaultBaseUrl) + kds::vcek_path(prod, r.chip_id, r.reported_tcb);
}

}  // namespace

Fields describe_report(const snp::SnpReport& r) {
  // The layout is product-specific for TCBs; show both when the product is unknown.
  const snp::Product prod = r.product_from_cpuid();
  const bool turin = prod == snp::Product::kTurin;
  auto tcb = [&](std::uint64_t v) { return snp::tcb_string(v, turin); };
  Fields f = {
      {"VERSION", std::to_string(r.version)},
      {"GUEST_SVN", std::to_string(r.guest_svn)},
      {"POLICY", policy_text(r.policy)},
      {"FAMILY_ID", to_hex(r.family_id)},
      {"IMAGE_ID", to_hex(r.image_id)},
      {"VMPL", std::to_string(r.vmpl)},
      {"SIGNATURE_ALGO", std::to_string(r.signature_algo)},
      {"CURRENT_TCB", tcb(r.current_tcb)},
      {"PLATFORM_INFO", platform_text(r.platform_info)},
      {"AUTHOR_KEY_EN", std::to_string(r.author_key_en())},
      {"MASK_CHIP_KEY", std::to_string(r.mask_chip_key())},
      {"SIGNING_KEY", std::to_string(r.signing_key()) + (r.signing_key() == 0   ? " (VCEK)"
                                                         : r.signing_key() == 1 ? " (VLEK)"
                                                                                : "")},
      {"REPORT_DATA", to_hex(r.report_data)},
      {"MEASUREMENT", to_hex(r.measurement)},
      {"HOST_DATA", to_hex(r.host_data)},
      {"ID_KEY_DIGEST", to_hex(r.id_key_digest)},
      {"AUTHOR_KEY_DIGEST", to_hex(r.author_key_digest)},
      {"REPORT_ID", to_hex(r.report_id)},
      {"REPORT_ID_MA", to_hex(r.report_id_ma)},
      {"REPORTED_TCB", tcb(r.reported_tcb)},
  };
  if (r.has_cpuid) {
    char b[64];
    std::snprintf(b, sizeof b, "family 0x%02x model 0x%02x stepping 0x%02x (%s)", r.cpuid_fam,
                  r.cpuid_mod, r.cpuid_step, snp::product_name(prod));
    f.emplace_back("CPUID", b);
  }
  f.emplace_back("CHIP_ID", to_hex(r.chip_id));
  f.emplace_back("COMMITTED_TCB", tcb(r.committed_tcb));
  f.emplace_back("CURRENT_VERSION", std::to_string(r.current_major) + "." +
                                        std::to_string(r.current_minor) + " build " +
                                        std::to_string(r.current_build));
  f.emplace_back("COMMITTED_VERSION", std::to_string(r.committed_major) + "." +
                                          std::to_string(r.committed_minor) + " build " +
                                          std::to_string(r.committed_build));
  f.emplace_back("LAUNCH_TCB", tcb(r.launch_tcb));
  if (r.has_mit_vectors) {
    f.emplace_back("LAUNCH_MIT_VECTOR", hex64(r.launch_mit_vector));
    f.emplace_back("CURRENT_MIT_VECTOR", hex64(r.current_mit_vector));
  }
  f.emplace_back("SIGNATURE.R", to_hex(std::span(r.raw.data() + 0x2A0, 72)));
  f.emplace_back("SIGNATURE.S", to_hex(std::span(r.raw.data() + 0x2E8, 72)));
  f.emplace_back("KDS_VCEK_URL", kds_vcek_url(r, prod));
  if (prod == snp::Product::kUnknown) {
    f.emplace_back("note", "v2 report: TCBs shown in the Milan/Genoa layout");
  }
  return f;
}

Fields describe_cert_table(const snp::CertTable& t) {
  Fields f;
  auto cert = [&](const char* name, const std::optional<Bytes>& der) {
    if (!der) return;
    auto c = snp::Cert::from_der(*der);
    f.emplace_back(std::string("certificate table.") + name,
                   c ? "CN=" + c->common_name() + " sha256=" + c->fingerprint()
                     : std::to_string(der->size()) + " bytes (not a certificate)");
  };
  cert("vcek", t.vcek);
  cert("vlek", t.vlek);
  cert("ask", t.ask);
  cert("ark", t.ark);
  for (const auto& g : t.other_guids) f.emplace_back("certificate table.entry", g);
  return f;
}

Fields describe_evidence(const evidence::EvidenceInput& ev) {
  Fields f = {{"platform", ev.platform},
              {"simulated", ev.simulated ? "true" : "false"},
              {"tee_nonce", to_hex(ev.tee_nonce)},
              {"vtpm_nonce", to_hex(ev.vtpm_nonce)},
              {"binding", ev.binding}};
  if (ev.bus_key) f.emplace_back("bus_key", to_hex(*ev.bus_key));
  for (const auto& [name, der] : ev.certs) {
    auto c = snp::Cert::from_der(der);
    f.emplace_back("certs." + name, c ? "CN=" + c->common_name() + " sha256=" + c->fingerprint() +
                                            " valid " + c->validity()
                                      : "unreadable: " + c.error().message);
  }
  if (ev.ak_public) {
    auto ak = vtpm::parse_tpmt_public(*ev.ak_public);
    if (ak) {
      char attrs[16];
      std::snprintf(attrs, sizeof attrs, "0x%08x", ak->attributes);
      f.emplace_back("ak_public", vtpm::alg_name(ak->type) + " nameAlg " +
                                      vtpm::alg_name(ak->name_alg) + " attributes " + attrs +
                                      " scheme " + vtpm::alg_name(ak->scheme) + "/" +
                                      vtpm::alg_name(ak->scheme_hash));
    } else {
      f.emplace_back("ak_public", "unreadable: " + ak.error().message);
    }
  }
  for (std::size_t i = 0; i < ev.quotes.size(); ++i) {
    const auto& q = ev.quotes[i];
    const std::string p = "quotes[" + std::to_string(i) + "].";
    f.emplace_back(p + "hash_alg", q.bank);
    auto at = vtpm::parse_tpms_attest(q.attest);
    if (at) {
      f.emplace_back(p + "extraData", to_hex(at->extra_data));
      f.emplace_back(p + "clock", std::to_string(at->clock));
      f.emplace_back(p + "pcrDigest", to_hex(at->pcr_digest));
    } else {
      f.emplace_back(p + "attest", "unreadable: " + at.error().message);
    }
    for (const auto& [idx, val] : q.pcrs)
      f.emplace_back(p + "pcr[" + std::to_string(idx) + "]", to_hex(val));
  }
  if (ev.event_log) {
    auto log = vtpm::parse_event_log(*ev.event_log);
    f.emplace_back("event_log", log ? std::to_string(ev.event_log->size()) + " bytes, " +
                                          std::to_string(log->events.size()) +
                                          " events (cocos-verifier show on the log alone lists "
                                          "them)"
                                    : "unreadable: " + log.error().message);
  }
  if (ev.snp_report) {
    auto r = snp::parse_report(*ev.snp_report, nullptr);
    if (r) {
      for (auto& [k, v] : describe_report(*r)) f.emplace_back("snp_report." + k, v);
    } else {
      f.emplace_back("snp_report", "unreadable: " + r.error().message);
    }
  }
  return f;
}

Fields describe_event_log(const vtpm::EventLog& log) {
  std::string algs;
  for (const auto& [alg, size] : log.algorithms) {
    algs += (algs.empty() ? "" : ", ") + vtpm::alg_name(alg) + " (" + std::to_string(size) + ")";
  }
  Fields f = {{"format", log.crypto_agile ? "crypto-agile (Spec ID Event03)" : "SHA-1 (legacy)"},
              {"algorithms", algs},
              {"startup_locality", std::to_string(log.startup_locality)},
              {"events", std::to_string(log.events.size())}};
  // SecureBoot as the log records it, checked against the first declared bank's digest (the
  // log alone proves nothing: `vtpm`/`evidence` tie it to a quote).
  if (!log.algorithms.empty()) {
    auto sb = vtpm::secure_boot_enabled(log, log.algorithms.front().first);
    f.emplace_back("secure_boot", !sb    ? "unreadable: " + sb.error().message
                                  : !*sb ? std::string("not measured")
                                  : **sb ? std::string("enabled (as logged)")
                                         : std::string("disabled (as logged)"));
  }
  for (std::size_t i = 0; i < log.events.size(); ++i) {
    const auto& e = log.events[i];
    const std::string p = "events[" + std::to_string(i) + "].";
    f.emplace_back(p + "pcr", std::to_string(e.pcr));
    f.emplace_back(p + "type", vtpm::event_type_name(e.type));
    for (const auto& d : e.digests) f.emplace_back(p + vtpm::alg_name(d.alg), to_hex(d.digest));
    f.emplace_back(p + "data_size", std::to_string(e.data.size()));
  }
  for (const auto& [bank, pcrs] : vtpm::replay_event_log(log)) {
    for (const auto& [idx, val] : pcrs) {
      f.emplace_back("replayed." + bank + ".pcr[" + std::to_string(idx) + "]", to_hex(val));
    }
  }
  return f;
}

}  // namespace cocos::verifier::app
