// The SNP part of every verification (the `snp` command and evidence): authenticity, then
// MEASUREMENT against an expected launch digest, then the policy rules.
#pragma once

#include <optional>

#include "cocos/igvm/launch_digest.h"
#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/verify.h"

namespace cocos::verifier::evidence {

struct SnpRunOptions {
  const policy::Policy* policy = nullptr;
  std::optional<igvm::Digest48> expected_measurement;
  snp::VerifyOptions verify;
  bool skip_report_data = false;  // REPORT_DATA is checked by a binding instead
};

snp::AuthResult run_snp_checks(const snp::SnpEvidence& ev, const SnpRunOptions& opt, Verdict& v);

}  // namespace cocos::verifier::evidence
