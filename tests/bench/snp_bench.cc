// SNP report verification as a long-running verifier does it per report: the verifier
// library's full path (parse, certificates looked up in a CertCache, chain with a warm
// ChainCache, ECDSA P-384 signature, validity, TCB, policy rules) on reports signed by the
// agent's simulated SNP (real VCEK/ASK/ARK chain generated in a temp dir), against one raw
// ECDSA P-384 verify (OpenSSL EVP_PKEY_verify on the same signed bytes' SHA-384 with the same
// VCEK key), the two measured in alternating rounds.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include "benches.h"
#include "cocos/attestation/simulated_snp.h"
#include "cocos/common/hash.h"
#include "cocos/verifier/evidence/snp_checks.h"
#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/verify.h"
#include "gbench.h"
#include "support/process.h"

namespace cocos::bench {

using test_support::TempDir;

namespace {

namespace snp = verifier::snp;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// DER ECDSA-Sig-Value from the report's little-endian r (0x2A0) and s (0x2E8), 48 bytes each.
Result<Bytes> report_signature_der(const Bytes& report) {
  auto le_to_bn = [&](std::size_t at) {
    std::uint8_t be[48];
    for (int i = 0; i < 48; ++i) be[i] = report[at + 47 - static_cast<std::size_t>(i)];
    return BN_bin2bn(be, 48, nullptr);
  };
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = le_to_bn(0x2A0);
  BIGNUM* s = le_to_bn(0x2E8);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    ECDSA_SIG_free(sig);
    return make_error("internal", "ECDSA_SIG");
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (n <= 0) return make_error("internal", "i2d_ECDSA_SIG");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace

void bench_snp_verify(const Options& o, Report& r) {
  auto dir = TempDir::create(o.work_base, "cocos-bench-snp-");
  if (!dir) return r.skipped("snp_verify", dir.error().to_string());
  attestation::SimulatedSnpConfig cfg;
  cfg.dir = dir->path() + "/sim";
  for (std::size_t i = 0; i < cfg.measurement.size(); ++i) {
    cfg.measurement[i] = static_cast<std::uint8_t>(i + 1);
  }
  auto sim = attestation::SimulatedSnpProvider::create(cfg);
  if (!sim) return r.skipped("snp_verify", sim.error().to_string());
  // Several reports (distinct REPORT_DATA, so distinct signatures), each with its own policy:
  // nothing about one report's verification can be reused for the next one.
  constexpr std::size_t kReports = 8;
  std::vector<Bytes> reports;
  std::vector<verifier::policy::Policy> policies;
  for (std::size_t k = 0; k < kReports; ++k) {
    std::array<std::uint8_t, 64> report_data{};
    for (std::size_t i = 0; i < report_data.size(); ++i)
      report_data[i] = static_cast<std::uint8_t>(i + 17 * k);
    auto rep = (*sim)->get_report(report_data);
    if (!rep) return r.skipped("snp_verify", rep.error().to_string());
    reports.push_back(rep->report);
    verifier::policy::Policy policy;
    policy.snp.measurement = Bytes(cfg.measurement.begin(), cfg.measurement.end());
    policy.snp.report_data = Bytes(report_data.begin(), report_data.end());
    policy.snp.guest_policy = cfg.policy;
    policy.snp.vmpl = cfg.vmpl;
    policy.snp.minimum_tcb = cfg.effective_reported_tcb();
    policy.snp.minimum_launch_tcb = cfg.effective_reported_tcb();
    policy.snp.minimum_report_version = 2;
    policy.snp.chip_id = Bytes((*sim)->chip_id().begin(), (*sim)->chip_id().end());
    policies.push_back(std::move(policy));
  }
  const Bytes& report = reports.front();
  const auto certs_der = (*sim)->certs();

  auto roots = snp::load_certs_file((*sim)->ark_pem_path());
  if (!roots) return r.skipped("snp_verify", roots.error().to_string());
  // What a verifier keeps across reports. Both are warm after the first iteration.
  snp::CertCache cert_cache;
  snp::ChainCache cache;
  std::string first_failure;

  auto full_body = [&](benchmark::State& st) {
    std::size_t next = 0;
    for (auto _ : st) {
      const std::size_t k = next++ % kReports;
      // Fresh bytes per report, as they arrive from an agent: a copy of the report and of
      // each certificate's DER (the cache matches on content, not on the buffer).
      const Bytes wire = reports[k];
      auto parsed = snp::parse_report(wire, nullptr);
      if (!parsed) {
        st.SkipWithError(parsed.error().to_string().c_str());
        break;
      }
      snp::SnpEvidence ev;
      ev.report = *parsed;
      std::vector<snp::Cert> certs;
      for (const auto& [name, der] : certs_der) {
        const Bytes fresh = der;
        auto c = cert_cache.from_der(fresh);
        if (c) certs.push_back(std::move(*c));
      }
      if (auto s = snp::add_certs(ev, std::move(certs)); !s) {
        st.SkipWithError(s.error().to_string().c_str());
        break;
      }
      verifier::evidence::SnpRunOptions so;
      so.policy = &policies[k];
      so.verify.extra_roots = *roots;
      so.verify.now = std::time(nullptr);
      so.verify.cache = &cache;
      verifier::Verdict v;
      verifier::evidence::run_snp_checks(ev, so, v);
      if (!v.valid()) {
        first_failure = v.first_failure() ? v.first_failure()->code : "?";
        st.SkipWithError(("verdict invalid: " + first_failure).c_str());
        break;
      }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  };

  // Baseline: the one asymmetric operation the verification cannot avoid.
  const auto vcek_der = certs_der.find("vcek");
  if (vcek_der == certs_der.end()) return r.skipped("snp_verify", "no VCEK from the simulated SNP");
  auto vcek = snp::Cert::from_der(vcek_der->second);
  auto sig = report_signature_der(report);
  if (!vcek || !sig) return r.skipped("snp_verify", "cannot prepare the raw ECDSA baseline");
  const Bytes hash = digest(HashAlg::kSha384, std::span<const std::uint8_t>(report.data(), 0x2A0));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new(X509_get0_pubkey(vcek->get()), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return r.skipped("snp_verify", "EVP_PKEY_verify_init failed");
  }
  auto raw_body = [&](benchmark::State& st) {
    for (auto _ : st) {
      if (EVP_PKEY_verify(ctx.get(), sig->data(), sig->size(), hash.data(), hash.size()) != 1) {
        st.SkipWithError("raw ECDSA verify failed");
        break;
      }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  };
  // Many short rounds (a few hundred verifications each), so that each A/B pair shares the
  // machine's load; the median ratio then ignores the rounds a burst of other work hit.
  const int rounds = o.quick ? 1 : 21;
  auto rates = run_gbench_alternating("snp_verify", full_body, "ecdsa_p384_verify", raw_body,
                                      o.quick ? o.min_time : o.min_time / 10, rounds);
  if (!rates) return r.skipped("snp_verify", rates.error().to_string());
  r.set("snp_verify_per_s", rates->median_a(&Rates::items_per_s), "/s");
  r.set("ecdsa_p384_verify_per_s", rates->median_b(&Rates::items_per_s), "/s");
  r.set("snp_verify_ratio", rates->median_ratio(&Rates::items_per_s), "", ">= 0.9");
  char note[1024];
  std::snprintf(note, sizeof note,
                "simulated-SNP v3 Milan reports (%zu, rotating, each with its own policy), fresh "
                "report and DER bytes per report; VCEK/ASK/ARK from a warm CertCache (SHA-256 of "
                "the DER, then byte compare: %llu hits, %zu entries), chain signatures from a warm "
                "ChainCache; per report: parse, ECDSA P-384 signature, validity against the clock, "
                "TCB/HWID, policy with measurement, report_data, guest policy, VMPL, TCBs and chip "
                "id; %d alternating rounds, medians; ratio per round: %s",
                kReports, static_cast<unsigned long long>(cert_cache.hits()), cert_cache.size(),
                rounds, rates->rounds_text(&Rates::items_per_s).c_str());
  r.note("snp_verify", note);
}

}  // namespace cocos::bench
