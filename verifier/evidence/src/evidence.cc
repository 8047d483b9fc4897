// verify_evidence: shape, nonces, binding, vTPM quotes, PCR policy, SNP. Every quote whose PCR
// values are compared has had its signature, nonce, selection and digest checked first
// (unlike cocos, which checked one quote and compared all).
#include "cocos/verifier/evidence/evidence.h"

#include <algorithm>

#include "cocos/common/hash.h"
#include "cocos/verifier/evidence/snp_checks.h"
#include "cocos/verifier/vtpm/event_log.h"

namespace cocos::verifier::evidence {

namespace {

Bytes pad(const Bytes& b, std::size_t n) {
  Bytes out = b;
  out.resize(std::max(n, b.size()), 0);
  return out;
}

Bytes sha3(HashAlg alg, std::initializer_list<const Bytes*> parts) {
  Hasher h(alg);
  for (const Bytes* p : parts) h.update(*p);
  return h.finish();
}

// The firmware event log, replayed against the quotes that verified (event_log.h).
void check_log(const EvidenceInput& ev, const std::vector<const vtpm::Quote*>& verified,
               bool required, bool secure_boot, Verdict& v) {
  const std::string title = "the event log replays to the quoted PCRs";
  if (!ev.event_log) {
    if (secure_boot) {
      v.fail("vtpm.event_log.secure_boot", "Secure Boot was enabled", "event_log",
             "a firmware event log", "absent", "the policy requires Secure Boot");
    }
    if (required) {
      v.fail("vtpm.event_log", title, "event_log", "a TCG event log", "absent",
             "the agent found no firmware event log (binary_bios_measurements)");
    } else {
      v.skip("vtpm.event_log", title, "the evidence carries no event log");
    }
    return;
  }
  auto log = vtpm::parse_event_log(*ev.event_log);
  if (!log) {
    v.fail("vtpm.event_log", "the event log parses", "event_log", "TCG PC Client event log",
           log.error().message);
    return;
  }
  vtpm::check_event_log(*log, verified, "vtpm.event_log", v);
  if (secure_boot) vtpm::check_secure_boot(*log, verified, "vtpm.event_log", v);
}

}  // namespace

std::string expected_binding(const std::string& platform, bool bus_key) {
  if (platform == "snp") return bus_key ? "sha3-512(tee_nonce|bus_key)" : "none";
  if (platform == "snp-vtpm") {
    return bus_key ? "sha3-512(tee_nonce|ak_public|bus_key)" : "sha3-512(tee_nonce|ak_public)";
  }
  return bus_key ? "sha3-256(vtpm_nonce|bus_key)" : "none";
}

Bytes expected_report_data(const EvidenceInput& ev) {
  const Bytes empty;
  const Bytes& ak = ev.ak_public ? *ev.ak_public : empty;
  if (ev.platform == "snp") {
    return ev.bus_key ? sha3(HashAlg::kSha3_512, {&ev.tee_nonce, &*ev.bus_key}) : ev.tee_nonce;
  }
  return ev.bus_key ? sha3(HashAlg::kSha3_512, {&ev.tee_nonce, &ak, &*ev.bus_key})
                    : sha3(HashAlg::kSha3_512, {&ev.tee_nonce, &ak});
}

Bytes expected_qualifying_data(const EvidenceInput& ev) {
  if (ev.platform == "vtpm" && ev.bus_key) {
    return sha3(HashAlg::kSha3_256, {&ev.vtpm_nonce, &*ev.bus_key});
  }
  return ev.vtpm_nonce;
}

Verdict verify_evidence(const EvidenceInput& ev, const EvidenceOptions& opt) {
  Verdict v;
  v.subject = "evidence (" + ev.platform + ")";
  v.simulated = ev.simulated;
  const bool has_snp = ev.platform != "vtpm";
  const bool has_tpm = ev.platform != "snp";
  if (opt.policy) {
    for (const auto& w : opt.policy->warnings) v.warn("policy: " + w);
  }

  // Nonces (freshness).
  if (opt.tee_nonce) {
    const Bytes want = pad(*opt.tee_nonce, kTeeNonceSize);
    v.expect(want == ev.tee_nonce, "evidence.tee_nonce", "tee_nonce is the one we asked for",
             "tee_nonce", to_hex(want), to_hex(ev.tee_nonce), "stale or replayed evidence");
  } else {
    v.skip("evidence.tee_nonce", "tee_nonce freshness", "no --tee-nonce given");
  }
  if (opt.vtpm_nonce) {
    const Bytes want = pad(*opt.vtpm_nonce, kVtpmNonceSize);
    v.expect(want == ev.vtpm_nonce, "evidence.vtpm_nonce", "vtpm_nonce is the one we asked for",
             "vtpm_nonce", to_hex(want), to_hex(ev.vtpm_nonce), "stale or replayed evidence");
  } else {
    v.skip("evidence.vtpm_nonce", "vtpm_nonce freshness", "no --vtpm-nonce given");
  }

  // Binding rule.
  if (ev.bus_key) {
    v.expect(ev.bus_key->size() == kBusKeySize, "binding.bus_key",
             "bus_key is 32 bytes (CURVE key)", "bus_key", "32 bytes",
             std::to_string(ev.bus_key->size()) + " bytes");
  }
  const std::string rule = expected_binding(ev.platform, ev.bus_key.has_value());
  v.expect(ev.binding == rule, "binding.rule", "binding names the rule for this platform",
           "binding", rule, ev.binding.empty() ? "(absent)" : ev.binding);

  // vTPM.
  std::vector<const vtpm::Quote*> verified;
  if (has_tpm) {
    auto ak = vtpm::parse_tpmt_public(*ev.ak_public);
    if (!ak) {
      v.fail("vtpm.ak", "AK public area parses", "ak_public", "TPMT_PUBLIC", ak.error().message);
    } else {
      vtpm::check_ak(*ak, v);
      const Bytes qd = expected_qualifying_data(ev);
      for (std::size_t i = 0; i < ev.quotes.size(); ++i) {
        const auto& q = ev.quotes[i];
        if (vtpm::verify_quote(*ak, q, qd, "vtpm.quote[" + std::to_string(i) + "](" + q.bank + ")",
                               v)) {
          verified.push_back(&q);
        }
      }
    }
    if (opt.policy && !opt.policy->pcrs.empty()) {
      vtpm::apply_pcr_rules(opt.policy->pcrs, verified, v);
    } else {
      v.skip("policy.pcr", "expected PCR values", "the policy lists no PCR values");
    }
  }
  // Also for snp evidence: it has no vTPM and so no log, which a requirement must not overlook.
  check_log(ev, verified, opt.require_event_log, opt.policy && opt.policy->require_secure_boot, v);

  // SNP.
  if (has_snp) {
    std::vector<std::string> warnings;
    auto report = snp::parse_report(*ev.snp_report, &warnings);
    for (auto& w : warnings) v.warn(w);
    if (!report) {
      v.fail("snp.parse", "attestation report parses", "snp_report", "1184-byte report",
             report.error().message);
      return v;
    }
    const Bytes want_rd = expected_report_data(ev);
    v.expect(std::equal(want_rd.begin(), want_rd.end(), report->report_data.begin(),
                        report->report_data.end()),
             "binding.report_data", "REPORT_DATA follows the binding rule " + rule, "REPORT_DATA",
             to_hex(want_rd), to_hex(report->report_data),
             "the report was made for another nonce, AK or bus key");
    snp::SnpEvidence sev;
    sev.report = std::move(*report);
    for (const auto& [name, der] : ev.certs) {
      auto c = opt.cert_cache ? opt.cert_cache->from_der(der) : snp::Cert::from_der(der);
      if (!c) {
        v.fail("snp.certs", "certificate '" + name + "' parses", "certs." + name, "DER X.509",
               c.error().message);
        continue;
      }
      if (name == "vcek" || name == "vlek") {
        sev.leaf = std::move(*c);
      } else if (name == "ark") {
        sev.offered_roots.push_back(std::move(*c));
      } else {
        sev.intermediates.push_back(std::move(*c));
      }
    }
    SnpRunOptions so;
    so.policy = opt.policy;
    so.expected_measurement = opt.expected_measurement;
    so.verify.product = opt.product;
    so.verify.extra_roots = opt.extra_roots;
    so.verify.crls = opt.crls;
    so.verify.now = opt.now;
    so.verify.cache = opt.cache;
    so.verify.fetch_vcek = opt.fetch_vcek;
    so.verify.fetch_crls = opt.fetch_crls;
    so.skip_report_data = true;
    const auto auth = run_snp_checks(sev, so, v);
    if (ev.simulated && !auth.chained_to_extra_root && auth.authentic) {
      v.warn("the evidence says simulated but its chain ends at an AMD root");
    }
    if (!ev.simulated && auth.chained_to_extra_root) {
      v.warn("the chain ends at a root given with --trust-root, not at an AMD root");
    }
  }
  return v;
}

}  // namespace cocos::verifier::evidence
