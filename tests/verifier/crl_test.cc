// CRL checks on the test chain (real RSA-PSS signatures): a current CRL of the ARK passes; a
// revoked ASK, a revoked VCEK (CRL of the ASK), a stale or not-yet-valid CRL, a CRL signed by
// another key, and CRLs of no issuer of this chain fail with their own check codes; the CLI
// reads DER and PEM CRLs and rejects garbage as unusable input.
#include "cocos/verifier/snp/crl.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cocos/verifier/snp/verify.h"
#include "test_chain.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;

snp::Crl crl(const Bytes& der) {
  return snp::Crl::from_der(der).value();
}

Verdict verify_with(const std::vector<snp::Crl>& crls) {
  const TestChain& c = test_chain();
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), c);
  sign_report(raw, c);
  snp::SnpEvidence ev;
  ev.report = snp::parse_report(raw, nullptr).value();
  EXPECT_TRUE(snp::add_certs(ev, {snp::Cert::from_der(c.vcek_der).value(),
                                  snp::Cert::from_der(c.ask_der).value()})
                  .ok());
  snp::VerifyOptions o;
  o.extra_roots = {snp::Cert::from_der(c.ark_der).value()};
  o.now = std::time(nullptr);
  o.crls = crls;
  Verdict v;
  snp::verify_authenticity(ev, o, v);
  return v;
}

TEST(Crl, ACurrentCrlOfTheArkPasses) {
  const Verdict v = verify_with({crl(make_crl(test_chain(), false, {7, 9}))});
  EXPECT_TRUE(v.valid()) << render_text(v);
  EXPECT_TRUE(passed(v, "snp.crl.issuer"));
  EXPECT_TRUE(passed(v, "snp.crl.validity"));
  EXPECT_TRUE(passed(v, "snp.crl.revoked"));
  // Without CRLs nothing about revocation is claimed.
  const Verdict none = verify_with({});
  EXPECT_TRUE(none.valid());
  EXPECT_EQ(find_check(none, "snp.crl.revoked"), nullptr);
}

TEST(Crl, ARevokedAskFails) {
  const Verdict v = verify_with({crl(make_crl(test_chain(), false, {1}))});  // the ASK's serial
  EXPECT_EQ(first_failure(v), "snp.crl.revoked") << render_text(v);
  EXPECT_NE(find_check(v, "snp.crl.revoked")->actual.find("'SEV-Test' serial 01"),
            std::string::npos)
      << find_check(v, "snp.crl.revoked")->actual;
}

TEST(Crl, ARevokedVcekInTheAsksCrlFails) {
  const TestChain& c = test_chain();
  const Verdict ok = verify_with({crl(make_crl(c, false, {})), crl(make_crl(c, true, {5}))});
  EXPECT_TRUE(ok.valid()) << render_text(ok);
  EXPECT_NE(find_check(ok, "snp.crl.revoked")->actual.find("'SEV-VCEK'"), std::string::npos);
  const Verdict v = verify_with({crl(make_crl(c, false, {})), crl(make_crl(c, true, {0}))});
  EXPECT_EQ(first_failure(v), "snp.crl.revoked") << render_text(v);
}

TEST(Crl, StaleOrFutureCrlsFail) {
  const TestChain& c = test_chain();
  const Verdict stale = verify_with({crl(make_crl(c, false, {}, -7200, -3600))});
  EXPECT_EQ(first_failure(stale), "snp.crl.validity") << render_text(stale);
  const Verdict future = verify_with({crl(make_crl(c, false, {}, 3600, 7200))});
  EXPECT_EQ(first_failure(future), "snp.crl.validity");
  // No nextUpdate: current from thisUpdate on.
  EXPECT_TRUE(verify_with({crl(make_crl(c, false, {}, -60, 0))}).valid());
}

TEST(Crl, ACrlSignedByAnotherKeyFails) {
  const TestChain& c = test_chain();
  // The ARK's name, the ASK's key: a forgery.
  const Verdict v = verify_with({crl(make_crl(c, false, {}, -3600, 3600, c.ask_key.get()))});
  EXPECT_EQ(first_failure(v), "snp.crl.issuer") << render_text(v);
  EXPECT_NE(find_check(v, "snp.crl.issuer")->actual.find("does not verify"), std::string::npos);
}

TEST(Crl, OnlyTheAsksCrlIsNotEnough) {
  const Verdict v = verify_with({crl(make_crl(test_chain(), true, {}))});
  EXPECT_EQ(first_failure(v), "snp.crl.issuer") << render_text(v);
  // A CRL of an unrelated issuer (the Turin test chain's ARK has the same name but another key)
  // is a forgery of this chain's ARK name, hence a failure too.
  const Verdict other = verify_with({crl(make_crl(test_chain_turin(), false, {}))});
  EXPECT_FALSE(other.valid());
}

TEST(Crl, ParsingIsBoundedAndStrict) {
  const Bytes der = make_crl(test_chain(), false, {3});
  auto one = snp::parse_crls(der);
  ASSERT_TRUE(one) << one.error().to_string();
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].revoked_count(), 1u);
  EXPECT_NE((*one)[0].issuer().find("ARK-Test"), std::string::npos);
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(snp::parse_crls(trailing).error().code, "bad_crl");
  EXPECT_EQ(snp::parse_crls(Bytes(100, 0x30)).error().code, "bad_crl");
  const std::string pem = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
  EXPECT_EQ(snp::parse_crls(as_bytes(pem)).error().code, "bad_crl");
  EXPECT_EQ(snp::parse_crls(Bytes(snp::kMaxCrlBytes + 1, 0)).error().code, "too_large");
}

CliRun run(const std::string& args) {
  return run_verifier(args, true);
}

TEST(Crl, CliTakesDerAndPemCrls) {
  const TestChain& c = test_chain();
  const auto dir =
      std::filesystem::temp_directory_path() / ("cocos-crl-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
    return (dir / name).string();
  };
  auto str = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
  Bytes raw = make_report(Bytes(64, 1), Bytes(48, 2), c);
  sign_report(raw, c);
  const std::string base = "snp --report " + write("r.bin", str(raw)) + " --vcek " +
                           write("vcek.der", str(c.vcek_der)) + " --certs " + dir.string() +
                           "/chain --trust-root " + write("ark.pem", c.ark_pem);
  std::filesystem::create_directories(dir / "chain");
  write("chain/ask.der", str(c.ask_der));
  const CliRun plain = run(base);
  EXPECT_EQ(plain.code, 0) << plain.out;
  const CliRun good = run(base + " --crl " + write("good.crl", str(make_crl(c, false, {}))));
  EXPECT_EQ(good.code, 0) << good.out;
  EXPECT_NE(good.out.find("[pass] snp.crl.revoked"), std::string::npos) << good.out;
  const Bytes revoked = make_crl(c, false, {1});
  const std::string pem =
      "-----BEGIN X509 CRL-----\n" + to_base64(revoked) + "\n-----END X509 CRL-----\n";
  const CliRun bad = run(base + " --crl " + write("revoked.pem", pem));
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("[FAIL] snp.crl.revoked"), std::string::npos) << bad.out;
  const CliRun junk = run(base + " --crl " + write("junk.crl", "not a crl"));
  EXPECT_EQ(junk.code, 2) << junk.out;
  EXPECT_NE(junk.out.find("bad_crl"), std::string::npos) << junk.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cocos::test
