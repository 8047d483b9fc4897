// Composition of the SNP checks; the product from the policy is used when none was given.
#include "cocos/verifier/evidence/snp_checks.h"

#include <algorithm>

#include "cocos/verifier/policy/rules.h"

namespace cocos::verifier::evidence {

snp::AuthResult run_snp_checks(const snp::SnpEvidence& ev, const SnpRunOptions& opt, Verdict& v) {
  snp::VerifyOptions vo = opt.verify;
  if (!vo.product && opt.policy && opt.policy->product) vo.product = opt.policy->product;
  v.pass("snp.parse", "attestation report parses", "VERSION", "2, 3, 4, 5 or newer",
         std::to_string(ev.report.version));
  snp::AuthResult auth = snp::verify_authenticity(ev, vo, v);
  if (opt.expected_measurement) {
    const auto& want = *opt.expected_measurement;
    v.expect(std::equal(want.begin(), want.end(), ev.report.measurement.begin()),
             "igvm.measurement", "MEASUREMENT equals the launch digest of the IGVM file",
             "MEASUREMENT", to_hex(want), to_hex(ev.report.measurement),
             "the guest was launched from another IGVM file (or with other --native-zero)");
  }
  if (opt.policy) {
    policy::apply_snp_rules(ev.report, opt.policy->snp, auth.turin,
                            opt.skip_report_data || opt.policy->report_data_from_binding, v);
  } else {
    v.skip("policy", "policy rules", "no --policy given");
  }
  return auth;
}

}  // namespace cocos::verifier::evidence
