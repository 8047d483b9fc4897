// `attest --verify`: the attested bus key. The evidence fetched with bind_bus_key is verified
// with the verifier library (policy, AMD or --trust-root chain, nonces, the binding of the
// agent's CURVE key into REPORT_DATA / the quote), the bound key is compared with the key the
// operator expects (--expect-agent-key, or the single --curve-agent-key admitted), and only
// then is it pinned: written as a Z85 public key file usable as --curve-agent-key.
#include "attest_verify.h"

#include <fstream>
#include <iostream>
#include <optional>

#include "cocos/bus/curve.h"
#include "cocos/manager/offline_tools.h"
#include "cocos/verifier/evidence/evidence.h"
#include "cocos/verifier/kds/kds_client.h"
#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/certs.h"
#include "cocos/verifier/snp/crl.h"
#include "cocos/verifier/verdict.h"

namespace cocos::manager::app {

namespace ev = cocos::verifier::evidence;

int verify_and_pin(const AttestOptions& o, const std::string& body, const Bytes& tee_nonce,
                   const Bytes& vtpm_nonce) {
  auto fail = [](const std::string& code, const std::string& msg) {
    std::cerr << "cocos-manager: attest: " << code << ": " << msg << "\n";
    return 1;
  };
  auto input = ev::decode_evidence(
      std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
  if (!input) return fail("bad_evidence", input.error().to_string());
  auto pol = cocos::verifier::policy::load_policy_file(o.policy);
  if (!pol) return fail("bad_policy", pol.error().to_string());
  ev::EvidenceOptions opt;
  opt.policy = &*pol;
  opt.tee_nonce = tee_nonce;
  opt.vtpm_nonce = vtpm_nonce;
  opt.now = std::time(nullptr);
  for (const auto& path : o.trust_roots) {
    auto certs = cocos::verifier::snp::load_certs_file(path);
    if (!certs) return fail("bad_cert", path + ": " + certs.error().to_string());
    for (auto& c : *certs) opt.extra_roots.push_back(std::move(c));
  }
  for (const auto& path : o.crls) {
    auto crls = cocos::verifier::snp::load_crl_file(path);
    if (!crls) return fail("bad_crl", crls.error().to_string());
    for (auto& c : *crls) opt.crls.push_back(std::move(c));
  }
  std::optional<cocos::verifier::kds::KdsClient> kds;
  if (o.kds || o.kds_crl || !o.kds_url.empty()) {
    cocos::verifier::kds::KdsOptions ko;
    auto url = cocos::verifier::kds::base_url_option(o.kds_url);
    if (!url) return fail("usage", url.error().message);
    ko.base_url = *url;
    ko.cache_dir = o.kds_cache;
    kds.emplace(std::move(ko));
    if (o.kds || !o.kds_url.empty()) opt.fetch_vcek = kds->vcek_fetcher();
    if (o.kds_crl) opt.fetch_crls = kds->crl_fetcher();
  }
  opt.require_event_log = o.require_event_log;
  const auto verdict = ev::verify_evidence(*input, opt);
  std::cout << cocos::verifier::render_text(verdict);
  if (!verdict.valid())
    return fail("invalid_evidence", "the evidence did not verify; key NOT pinned");
  // The binding was checked above; a bus key must be there and must be the one expected.
  if (!input->bus_key || input->bus_key->size() != 32)
    return fail("invalid_evidence", "the evidence binds no bus key");
  auto z85 = bus::curve_key_z85(*input->bus_key);
  if (!z85) return fail("invalid_evidence", z85.error().to_string());
  std::string expect_file = o.expect_agent_key;
  if (expect_file.empty() && o.agent.curve_agent_keys.size() == 1)
    expect_file = o.agent.curve_agent_keys.front();
  if (!expect_file.empty()) {
    auto expected = bus::read_curve_key(expect_file);
    if (!expected) return fail("bad_key", expect_file + ": " + expected.error().to_string());
    if (*expected != *z85)
      return fail("key_mismatch", "the attested bus key " + *z85 + " is not the agent key in " +
                                      expect_file + " (" + *expected + "); key NOT pinned");
  }
  std::cout << "attested bus key: " << *z85 << "\n";
  if (!o.pin.empty()) {
    if (auto st = write_file_atomic(o.pin, *z85 + "\n", 0644); !st)
      return fail("io_error", st.error().to_string());
    std::cout << "pinned:     " << o.pin << " (use as --curve-agent-key)\n";
  }
  return 0;
}

}  // namespace cocos::manager::app
