// Whole-evidence verification with a test chain and test quotes: each platform, each binding
// rule (with and without bus key), simulated roots, IGVM measurement, nonces, PCR policy, and
// the failures (a bad second quote, wrong binding, wrong REPORT_DATA, untrusted root), and the
// caches a long-running verifier keeps across evidence.
#include "cocos/verifier/evidence/evidence.h"

#include <gtest/gtest.h>

#include "cocos/common/hash.h"
#include "cocos/verifier/policy/rules.h"
#include "cocos/verifier/snp/verify.h"
#include "igvm_writer.h"
#include "test_chain.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using namespace cocos::verifier::evidence;

Bytes seq(std::size_t n, std::uint8_t start) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
  return b;
}

const Bytes kMeasurement = seq(48, 0x40);

// Evidence for `platform`, optionally with a bus key, correctly bound and signed.
EvidenceInput make(const std::string& platform, bool bus_key, bool simulated = true) {
  EvidenceInput ev;
  ev.platform = platform;
  ev.simulated = simulated;
  ev.tee_nonce = seq(64, 1);
  ev.vtpm_nonce = seq(32, 100);
  if (bus_key) ev.bus_key = seq(32, 200);
  ev.binding = expected_binding(platform, bus_key);
  if (platform != "snp") {
    ev.ak_public = test_tpm().ak_public;
    const Bytes qd = expected_qualifying_data(ev);
    ev.quotes = {make_quote(test_tpm(), "sha256", qd), make_quote(test_tpm(), "sha384", qd)};
  }
  if (platform != "vtpm") {
    Bytes report = make_report(expected_report_data(ev), kMeasurement);
    sign_report(report, test_chain());
    ev.snp_report = report;
    ev.certs = {{"vcek", test_chain().vcek_der}, {"ask", test_chain().ask_der}};
  }
  return ev;
}

struct Fixture {
  policy::Policy policy;
  EvidenceOptions opt;
  Fixture() {
    policy.snp.guest_policy = 0x30000;
    policy.snp.vmpl = 2;
    policy.snp.measurement = kMeasurement;
    opt.policy = &policy;
    opt.extra_roots = snp::parse_certs(as_bytes(test_chain().ark_pem)).value();
    opt.now = std::time(nullptr);
    opt.tee_nonce = seq(64, 1);
    opt.vtpm_nonce = seq(32, 100);
  }
};

TEST(Evidence, EveryPlatformAndBindingVerifies) {
  for (const char* platform : {"snp", "vtpm", "snp-vtpm"}) {
    for (bool bus : {false, true}) {
      SCOPED_TRACE(std::string(platform) + (bus ? " +bus_key" : ""));
      Fixture f;
      const Verdict v = verify_evidence(make(platform, bus), f.opt);
      EXPECT_TRUE(v.valid()) << render_text(v);
      EXPECT_TRUE(passed(v, "binding.rule"));
      if (std::string(platform) != "vtpm") {
        EXPECT_TRUE(passed(v, "binding.report_data"));
        EXPECT_TRUE(passed(v, "snp.chain.root"));
        EXPECT_TRUE(v.simulated);
        EXPECT_NE(render_text(v).find("SIMULATED"), std::string::npos);
      }
      if (std::string(platform) != "snp") {
        EXPECT_TRUE(passed(v, "vtpm.quote[1](sha384).digest"));
      }
    }
  }
}

TEST(Evidence, CachesKeptAcrossEvidence) {
  Fixture f;
  snp::CertCache certs;
  snp::ChainCache chain;
  f.opt.cert_cache = &certs;
  f.opt.cache = &chain;
  for (int i = 0; i < 3; ++i) {
    const Verdict v = verify_evidence(make("snp", i % 2 == 0), f.opt);
    EXPECT_TRUE(v.valid()) << render_text(v);
  }
  EXPECT_EQ(certs.size(), 2u);  // VCEK and ASK, parsed once
  EXPECT_EQ(certs.hits(), 4u);
  // A tampered VCEK is another certificate: parsed anew, and its chain fails.
  EvidenceInput bad = make("snp", false);
  bad.certs["vcek"][bad.certs["vcek"].size() - 3] ^= 0x01;
  EXPECT_EQ(first_failure(verify_evidence(bad, f.opt)), "snp.chain.leaf");
  EXPECT_EQ(certs.hits(), 5u);  // the ASK only
}

TEST(Evidence, BindingRuleNames) {
  EXPECT_EQ(expected_binding("snp", false), "none");
  EXPECT_EQ(expected_binding("snp", true), "sha3-512(tee_nonce|bus_key)");
  EXPECT_EQ(expected_binding("snp-vtpm", false), "sha3-512(tee_nonce|ak_public)");
  EXPECT_EQ(expected_binding("snp-vtpm", true), "sha3-512(tee_nonce|ak_public|bus_key)");
  EXPECT_EQ(expected_binding("vtpm", true), "sha3-256(vtpm_nonce|bus_key)");
}

TEST(Evidence, CocosBindingExamples) {
  EvidenceInput ev;
  ev.platform = "snp-vtpm";
  ev.ak_public = read_data("vtpm/ak_pub.tpmt_public.bin");
  ev.tee_nonce = seq(64, 0);
  EXPECT_EQ(to_hex(expected_report_data(ev)),
            "91da7c4630c8b1633196f5cf9776cadb274b3a1d343b15c3c2d6dc837dab25bf9fc6f9a194491e375dbac0"
            "066e9a1022245ea05d667a50ee32bf7ace60559af5");
  ev.tee_nonce = Bytes(64, 0);
  EXPECT_EQ(to_hex(expected_report_data(ev)),
            "bb2bb9bcc9ecc2013b66720ec9f6c1627c9ea07ee5507afe6ab989bfa85e79f4b15df5b28876aca7606615"
            "964a68753bafccd66aefad4ae7645a506e706e0dbe");
}

TEST(Evidence, WithoutTrustRootTheSimulatedChainFails) {
  Fixture f;
  f.opt.extra_roots.clear();
  const Verdict v = verify_evidence(make("snp-vtpm", false), f.opt);
  EXPECT_FALSE(v.valid());
  EXPECT_TRUE(failed(v, "snp.chain.leaf"));
}

TEST(Evidence, EverySecondQuoteIsCheckedToo) {
  Fixture f;
  EvidenceInput ev = make("snp-vtpm", false);
  ev.quotes[1].attest.back() ^= 1;  // break the sha384 quote only
  const Verdict v = verify_evidence(ev, f.opt);
  EXPECT_FALSE(v.valid());
  EXPECT_TRUE(passed(v, "vtpm.quote[0](sha256).signature"));
  EXPECT_TRUE(failed(v, "vtpm.quote[1](sha384).signature"));
}

TEST(Evidence, UnverifiedQuotesAreNotUsedForPcrPolicy) {
  Fixture f;
  f.policy.pcrs["sha384"][16] = test_tpm().pcrs384.at(16);
  EvidenceInput ev = make("vtpm", false);
  EXPECT_TRUE(verify_evidence(ev, f.opt).valid());
  ev.quotes[1].signature[10] ^= 1;
  const Verdict v = verify_evidence(ev, f.opt);
  EXPECT_TRUE(failed(v, "policy.pcr.sha384"));  // no verified sha384 quote left
}

// vTPM evidence whose quotes carry the GCE vector's PCR values, with that machine's event log.
EvidenceInput with_gce_log(const std::string& platform) {
  EvidenceInput ev = make(platform, false);
  const Bytes qd = expected_qualifying_data(ev);
  ev.quotes.clear();
  for (const char* bank : {"sha256", "sha384"}) {
    const Bytes text = read_data(std::string("vtpm/quote_") + bank + ".pcrs.txt");
    auto pcrs = vtpm::parse_pcr_text(
                    std::string_view(reinterpret_cast<const char*>(text.data()), text.size()))
                    .value();
    ev.quotes.push_back(make_quote(test_tpm(), bank, qd, pcrs));
  }
  ev.event_log = read_data("vtpm/event_log.bin");
  return ev;
}

TEST(Evidence, EventLogReplaysAgainstEveryVerifiedQuote) {
  Fixture f;
  for (const char* platform : {"vtpm", "snp-vtpm"}) {
    const Verdict v = verify_evidence(with_gce_log(platform), f.opt);
    EXPECT_TRUE(v.valid()) << render_text(v);
    EXPECT_TRUE(passed(v, "vtpm.event_log.sha256"));
    EXPECT_TRUE(passed(v, "vtpm.event_log.sha384"));
  }
  // The same evidence through the msgpack decoder.
  auto decoded = decode_evidence(as_bytes(encode_evidence(with_gce_log("vtpm"))));
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  ASSERT_TRUE(decoded->event_log);
  EXPECT_TRUE(verify_evidence(*decoded, f.opt).valid());
}

TEST(Evidence, EventLogThatDoesNotReplayFails) {
  Fixture f;
  EvidenceInput ev = with_gce_log("snp-vtpm");
  ev.event_log->back() ^= 1;  // the last event's data: still parses, digests unchanged
  EXPECT_TRUE(verify_evidence(ev, f.opt).valid());
  ev.quotes[0] = make_quote(test_tpm(), "sha256", expected_qualifying_data(ev),
                            test_tpm().pcrs256);  // PCRs of another boot
  const Verdict v = verify_evidence(ev, f.opt);
  EXPECT_TRUE(failed(v, "vtpm.event_log.sha256")) << render_text(v);
  EXPECT_TRUE(passed(v, "vtpm.event_log.sha384"));
  ev = with_gce_log("vtpm");
  ev.event_log->resize(ev.event_log->size() - 3);  // truncated
  const Verdict cut = verify_evidence(ev, f.opt);
  EXPECT_EQ(first_failure(cut), "vtpm.event_log");
  EXPECT_NE(find_check(cut, "vtpm.event_log")->actual.find("event data"), std::string::npos);
}

TEST(Evidence, PolicyRequiringSecureBoot) {
  Fixture f;
  f.policy.require_secure_boot = true;
  Verdict v = verify_evidence(with_gce_log("snp-vtpm"), f.opt);
  EXPECT_TRUE(v.valid()) << render_text(v);
  EXPECT_TRUE(passed(v, "vtpm.event_log.secure_boot"));
  v = verify_evidence(make("vtpm", false), f.opt);  // no log at all
  EXPECT_EQ(first_failure(v), "vtpm.event_log.secure_boot");
  v = verify_evidence(make("snp", false), f.opt);  // no vTPM, hence no log either
  EXPECT_TRUE(failed(v, "vtpm.event_log.secure_boot")) << render_text(v);
  f.policy.require_secure_boot = false;
  f.opt.require_event_log = true;
  EXPECT_TRUE(failed(verify_evidence(make("snp", false), f.opt), "vtpm.event_log"));
  // The policy form that asks for it; unknown keys there are errors.
  auto p = policy::parse_policy(
      R"({"format": "cocos-verifier/policy/v1", "event_log": {"secure_boot": true}})");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_TRUE(p->require_secure_boot);
  EXPECT_EQ(policy::parse_policy(R"({"format": "cocos-verifier/policy/v1", "event_log": {"x": 1}})")
                .error()
                .code,
            "bad_policy");
}

TEST(Evidence, MissingEventLogIsSkippedUnlessRequired) {
  Fixture f;
  const EvidenceInput ev = make("vtpm", false);
  Verdict v = verify_evidence(ev, f.opt);
  EXPECT_TRUE(v.valid());
  ASSERT_NE(find_check(v, "vtpm.event_log"), nullptr);
  EXPECT_EQ(find_check(v, "vtpm.event_log")->status, CheckStatus::kSkip);
  f.opt.require_event_log = true;
  v = verify_evidence(ev, f.opt);
  EXPECT_EQ(first_failure(v), "vtpm.event_log");
  EXPECT_TRUE(verify_evidence(with_gce_log("vtpm"), f.opt).valid());
}

TEST(Evidence, CrlsReachTheSnpChecks) {
  Fixture f;
  f.opt.crls = {snp::Crl::from_der(make_crl(test_chain(), false, {})).value()};
  Verdict v = verify_evidence(make("snp-vtpm", false), f.opt);
  EXPECT_TRUE(v.valid()) << render_text(v);
  EXPECT_TRUE(passed(v, "snp.crl.revoked"));
  f.opt.crls = {snp::Crl::from_der(make_crl(test_chain(), false, {1})).value()};
  v = verify_evidence(make("snp-vtpm", false), f.opt);
  EXPECT_EQ(first_failure(v), "snp.crl.revoked");
}

TEST(Evidence, PcrPolicyMismatch) {
  Fixture f;
  f.policy.pcrs["sha256"][16] = Bytes(32, 0x16);
  const Verdict v = verify_evidence(make("snp-vtpm", true), f.opt);
  EXPECT_EQ(first_failure(v), "policy.pcr.sha256.16");
}

TEST(Evidence, BindingFailures) {
  Fixture f;
  EvidenceInput wrong_rule = make("snp-vtpm", false);
  wrong_rule.binding = "none";
  EXPECT_EQ(first_failure(verify_evidence(wrong_rule, f.opt)), "binding.rule");

  // A report bound to another AK: REPORT_DATA does not match this ak_public.
  EvidenceInput other_ak = make("snp-vtpm", false);
  Bytes fake_ak = *other_ak.ak_public;
  fake_ak.back() ^= 1;
  EvidenceInput tmp = other_ak;
  tmp.ak_public = fake_ak;
  Bytes report = make_report(expected_report_data(tmp), kMeasurement);
  sign_report(report, test_chain());
  other_ak.snp_report = report;
  EXPECT_EQ(first_failure(verify_evidence(other_ak, f.opt)), "binding.report_data");

  // Bus key swapped after signing.
  EvidenceInput swapped = make("snp", true);
  swapped.bus_key = seq(32, 7);
  EXPECT_EQ(first_failure(verify_evidence(swapped, f.opt)), "binding.report_data");

  // vtpm with bus key: quotes made for the bare nonce fail.
  EvidenceInput bare = make("vtpm", true);
  bare.quotes = {make_quote(test_tpm(), "sha256", bare.vtpm_nonce)};
  EXPECT_EQ(first_failure(verify_evidence(bare, f.opt)), "vtpm.quote[0](sha256).nonce");
}

TEST(Evidence, NoncesMustBeTheRequestedOnes) {
  Fixture f;
  f.opt.tee_nonce = Bytes{1, 2, 3};  // zero-padded to 64: differs
  EXPECT_EQ(first_failure(verify_evidence(make("snp", false), f.opt)), "evidence.tee_nonce");
  Fixture g;
  g.opt.vtpm_nonce = Bytes{9};
  EXPECT_EQ(first_failure(verify_evidence(make("vtpm", false), g.opt)), "evidence.vtpm_nonce");
}

TEST(Evidence, MeasurementAgainstIgvmDigestAndPolicy) {
  IgvmWriter w;
  w.platform(1, 2);
  w.page_data(0x1000, 1, pattern_page(3));
  const Bytes digest = igvm::snp_launch_digest(w.build()).value();
  Fixture f;
  f.policy.snp.measurement.reset();
  igvm::Digest48 d;
  std::copy(digest.begin(), digest.end(), d.begin());
  f.opt.expected_measurement = d;
  EXPECT_EQ(first_failure(verify_evidence(make("snp", false), f.opt)), "igvm.measurement");
  // A report with the IGVM digest passes.
  EvidenceInput ev = make("snp", false);
  Bytes report = make_report(expected_report_data(ev), digest);
  sign_report(report, test_chain());
  ev.snp_report = report;
  EXPECT_TRUE(verify_evidence(ev, f.opt).valid());
  f.policy.snp.vmpl = 0;
  EXPECT_EQ(first_failure(verify_evidence(ev, f.opt)), "policy.vmpl");
}

TEST(Evidence, MsgpackRoundTripAndBadInput) {
  const EvidenceInput ev = make("snp-vtpm", true);
  const std::string wire = encode_evidence(ev);
  auto back = decode_evidence(as_bytes(wire));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->platform, "snp-vtpm");
  EXPECT_EQ(back->quotes.size(), 2u);
  EXPECT_EQ(back->quotes[1].pcrs.size(), 24u);
  EXPECT_EQ(*back->bus_key, *ev.bus_key);
  Fixture f;
  EXPECT_TRUE(verify_evidence(*back, f.opt).valid());
  for (std::size_t n = 0; n < wire.size(); n += 53) {
    EXPECT_FALSE(decode_evidence(as_bytes(std::string_view(wire).substr(0, n))).ok()) << n;
  }
  EXPECT_FALSE(decode_evidence(as_bytes(std::string("\xc1garbage"))).ok());
  EXPECT_FALSE(decode_evidence(as_bytes(wire + "x")).ok());
  EvidenceInput no_report = ev;
  no_report.snp_report.reset();
  EXPECT_EQ(decode_evidence(as_bytes(encode_evidence(no_report))).error().code, "bad_evidence");
  EvidenceInput short_nonce = ev;
  short_nonce.tee_nonce.resize(10);
  EXPECT_FALSE(decode_evidence(as_bytes(encode_evidence(short_nonce))).ok());
}

}  // namespace
}  // namespace cocos::test

namespace cocos::test {
namespace {

using namespace cocos::verifier;

// Turin: TCB layout with FMC, 8-byte HWID, product from CPUID family 0x1A model 0x02.
TEST(SnpTurin, TestChainVerifiesWithTurinLayout) {
  const TestChain& c = test_chain_turin();
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), c);
  sign_report(raw, c);
  snp::SnpEvidence ev;
  ev.report = snp::parse_report(raw, nullptr).value();
  ASSERT_TRUE(snp::add_certs(ev, {snp::Cert::from_der(c.vcek_der).value(),
                                  snp::Cert::from_der(c.ask_der).value()})
                  .ok());
  snp::VerifyOptions o;
  o.extra_roots = {snp::Cert::from_der(c.ark_der).value()};
  o.now = std::time(nullptr);
  Verdict v;
  const auto auth = snp::verify_authenticity(ev, o, v);
  EXPECT_TRUE(v.valid()) << render_text(v);
  EXPECT_TRUE(auth.turin);
  EXPECT_TRUE(auth.chained_to_extra_root);
  EXPECT_NE(find_check(v, "snp.tcb.certificate")->actual.find("fmc 1 bl 1 tee 1 snp 4 ucode 82"),
            std::string::npos);
  EXPECT_TRUE(passed(v, "snp.hwid"));
  // The same report read with the Milan layout fails the TCB comparison.
  Verdict milan;
  o.product = snp::Product::kMilan;
  snp::verify_authenticity(ev, o, milan);
  EXPECT_TRUE(failed(milan, "snp.product"));
  EXPECT_TRUE(failed(milan, "snp.tcb.certificate"));
  // A different FMC in REPORTED_TCB fails.
  Bytes fmc = raw;
  fmc[0x180] = 2;
  sign_report(fmc, c);
  snp::SnpEvidence ev2 = ev;
  ev2.report = snp::parse_report(fmc, nullptr).value();
  Verdict v2;
  o.product.reset();
  snp::verify_authenticity(ev2, o, v2);
  EXPECT_EQ(first_failure(v2), "snp.tcb.certificate");
  // Turin CHIP_ID bytes 8..63 must be zero.
  Bytes chip = raw;
  chip[0x1A0 + 20] = 1;
  sign_report(chip, c);
  ev2.report = snp::parse_report(chip, nullptr).value();
  Verdict v3;
  snp::verify_authenticity(ev2, o, v3);
  EXPECT_EQ(first_failure(v3), "snp.hwid");
}

TEST(SnpPolicy, Version5MitigationVectors) {
  Bytes raw = make_report(Bytes(64, 0), Bytes(48, 0));
  raw[0] = 5;
  raw[0x1F8] = 0x0B;  // LAUNCH_MIT_VECTOR
  raw[0x200] = 0x03;  // CURRENT_MIT_VECTOR
  const auto r = snp::parse_report(raw, nullptr).value();
  EXPECT_TRUE(r.has_mit_vectors);
  policy::SnpRules rules;
  rules.required_launch_mit_vector = 0x09;
  rules.required_current_mit_vector = 0x03;
  Verdict ok;
  policy::apply_snp_rules(r, rules, false, false, ok);
  EXPECT_TRUE(ok.valid()) << render_text(ok);
  rules.required_current_mit_vector = 0x08;
  Verdict bad;
  policy::apply_snp_rules(r, rules, false, false, bad);
  EXPECT_EQ(first_failure(bad), "policy.mit_vector.current");
}

}  // namespace
}  // namespace cocos::test
