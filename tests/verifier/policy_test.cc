// Policy loading (cocos form as is, our form) and the SNP rules on the real reports.
#include <gtest/gtest.h>

#include "cocos/verifier/policy/rules.h"
#include "test_util.h"

namespace cocos::test {
namespace {

using namespace cocos::verifier;
using namespace cocos::verifier::policy;

snp::SnpReport report(const std::string& rel) {
  return snp::load_report(read_data(rel)).value().report;
}

Verdict run(const snp::SnpReport& r, const Policy& p) {
  Verdict v;
  apply_snp_rules(r, p.snp, false, p.report_data_from_binding, v);
  return v;
}

std::string cocos_policy_text() {
  const Bytes b = read_data("cocos/cocos_attestation_policy_da31d76c.json");
  return std::string(b.begin(), b.end());
}

TEST(Policy, CocosFileLoadsAsIs) {
  auto p = parse_policy(cocos_policy_text());
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->form, "cocos");
  EXPECT_EQ(p->product, snp::Product::kMilan);
  EXPECT_EQ(p->snp.guest_policy, 0x30000u);
  EXPECT_EQ(p->snp.minimum_tcb, 15352208179752599555ull);
  EXPECT_EQ(p->snp.minimum_version, 0x0137);  // 1.55
  EXPECT_EQ(p->snp.vmpl, 2u);
  EXPECT_TRUE(p->snp.permit_provisional_firmware);
  EXPECT_EQ(p->snp.measurement->size(), 48u);
  EXPECT_EQ(p->pcrs.count("sha1"), 0u);  // null bank
  EXPECT_EQ(p->pcrs.at("sha256").size(), 10u);
}

TEST(Policy, CocosReportPassesOnlyWithProvisionalFirmware) {
  const auto r = report("cocos/cocos_milan_v2_report_with_certtable.bin");
  auto p = parse_policy(cocos_policy_text()).value();
  const Verdict ok = run(r, p);
  EXPECT_TRUE(ok.valid()) << render_text(ok);
  EXPECT_TRUE(passed(ok, "policy.measurement"));
  EXPECT_TRUE(passed(ok, "policy.chip_id"));
  EXPECT_TRUE(passed(ok, "policy.provisional.firmware"));
  p.snp.permit_provisional_firmware = false;
  const Verdict strict = run(r, p);
  EXPECT_FALSE(strict.valid());
  EXPECT_EQ(first_failure(strict), "policy.provisional.firmware");
}

TEST(Policy, GoSevGuestReportFailsNoDebugPolicy) {
  const auto r = report("snp-reports/gsg_milan_v2_report.bin");
  auto own = parse_policy(R"({"format": "cocos-verifier/policy/v1", "product": "milan",
      "snp": {"guest_policy": {"smt": true, "debug": false}}})");
  ASSERT_TRUE(own.ok()) << own.error().to_string();
  EXPECT_EQ(own->snp.guest_policy, 0x30000u);
  const Verdict v = run(r, *own);
  EXPECT_EQ(first_failure(v), "policy.guest.debug");
  auto cocos = parse_policy(R"({"policy": {"policy": "196608"}})").value();
  EXPECT_EQ(first_failure(run(r, cocos)), "policy.guest.debug");
  auto allow = parse_policy(R"({"policy": {"policy": "720896"}})").value();  // 0xB0000
  EXPECT_TRUE(run(r, allow).valid()) << render_text(run(r, allow));
}

TEST(Policy, EveryRuleCanFail) {
  const auto r = report("snp-reports/gsg_milan_v2_report.bin");
  const std::pair<const char*, const char*> cases[] = {
      {R"("measurement": "00")", ""},  // wrong length: load error, tested below
      {R"("minimum_tcb": {"bl": 3})", "policy.minimum_tcb"},
      {R"("minimum_launch_tcb": {"ucode": 69})", "policy.minimum_launch_tcb"},
      {R"("minimum_build": 4)", "policy.minimum_build"},
      {R"("minimum_version": "1.50")", "policy.minimum_version"},
      {R"("minimum_guest_svn": 1)", "policy.minimum_guest_svn"},
      {R"("guest_policy": {"smt": true, "debug": true, "single_socket": true})",
       "policy.guest.single_socket"},
      {R"("guest_policy": {"smt": true, "debug": true, "abi_major": 2})", "policy.guest.abi"},
      {R"("guest_policy": {"debug": true})", "policy.guest.smt"},
      {R"("platform_info": {"ecc_en": true, "smt_en": true})", "policy.platform.ecc_en"},
      {R"("platform_info": {})", "policy.platform.smt_en"},
      {R"("vmpl": 1)", "policy.vmpl"},
      {R"("host_data": "0101010101010101010101010101010101010101010101010101010101010101")",
       "policy.host_data"},
      {R"("report_data": "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")",
       "policy.report_data"},
      {R"("family_id": "01000000000000000000000000000000")", "policy.family_id"},
      {R"("image_id": "01000000000000000000000000000000")", "policy.image_id"},
      {R"("report_id_ma": "0000000000000000000000000000000000000000000000000000000000000000")",
       "policy.report_id_ma"},
      {R"("require_id_block": true)", "policy.id_key.trusted"},
      {R"("require_author_key": true)", "policy.author_key.enabled"},
      {R"("required_launch_mit_vector": "0x1")", "policy.mit_vector.launch"},
      {R"("minimum_report_version": 5)", "policy.report_version"},
  };
  for (const auto& [rule, code] : cases) {
    SCOPED_TRACE(rule);
    auto p = parse_policy(std::string(R"({"snp": {)") + rule + "}}");
    if (std::string(code).empty()) {
      EXPECT_FALSE(p.ok());
      continue;
    }
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    const Verdict v = run(r, *p);
    EXPECT_EQ(first_failure(v), code) << render_text(v);
  }
  // And the passing counterparts.
  auto pass = parse_policy(R"({"snp": {"minimum_tcb": {"bl": 2, "snp": 5, "ucode": 68},
      "minimum_build": 3, "minimum_version": "1.49", "vmpl": 0, "platform_info": {"smt_en": true},
      "measurement": "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
      "report_data": "01020304050000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      "guest_policy": "0xb0000"}})");
  ASSERT_TRUE(pass.ok()) << pass.error().to_string();
  EXPECT_TRUE(run(r, *pass).valid()) << render_text(run(r, *pass));
}

TEST(Policy, TrustedIdKeys) {
  auto r = report("snp-reports/gsg_milan_v2_report.bin");
  const std::string zero48(96, '0');
  auto p = parse_policy(R"({"snp": {"require_id_block": true, "trusted_id_key_hashes": [")" +
                        zero48 + R"("]}})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(run(r, *p).valid());  // ID_KEY_DIGEST of this report is all zero
  r.id_key_digest[0] = 1;
  EXPECT_EQ(first_failure(run(r, *p)), "policy.id_key.trusted");
}

TEST(Policy, RejectsBadInput) {
  for (const char* text : {"", "[]", "{", R"({"snp": {"vmpl": 9}})", R"({"snp": {"bogus": 1}})",
                           R"({"policy": {"bogus": 1}})", R"({"policy": {"measurement": "!!"}})",
                           R"({"policy": {"minimumTcb": "-1"}})", R"({"pcrs": {"md5": {}}})",
                           R"({"pcr_values": {"sha256": {"40": "00"}}})",
                           R"({"policy": {"product": {"name": "SEV_PRODUCT_X"}}})"}) {
    auto p = parse_policy(text);
    EXPECT_FALSE(p.ok()) << text;
    if (!p.ok()) {
      EXPECT_EQ(p.error().code, "bad_policy");
    }
  }
}

}  // namespace
}  // namespace cocos::test

namespace cocos::test {
namespace {

TEST(Policy, OwnFormAcceptsComments) {
  auto p = verifier::policy::parse_policy(R"({
    // which roots
    "product": "turin",
    "snp": {"minimum_tcb": {"fmc": 1, "bl": 1, "tee": 1, "snp": 4, "ucode": 82}}  /* Turin layout */
  })");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->snp.minimum_tcb, 0x5200000004010101ULL);
  EXPECT_FALSE(verifier::policy::parse_policy(R"({"snp": {"minimum_tcb": {"fmc": 1}}})").ok());
}

}  // namespace
}  // namespace cocos::test
