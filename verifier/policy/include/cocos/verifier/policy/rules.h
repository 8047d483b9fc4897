// Policy rules (attestation.md §3), one small function per rule, each appending a named check.
#pragma once

#include "cocos/verifier/policy/policy.h"
#include "cocos/verifier/snp/report.h"
#include "cocos/verifier/verdict.h"

namespace cocos::verifier::policy {

// Every SNP rule of `rules` against the report. `turin` selects the TCB layout.
// `skip_report_data`: REPORT_DATA is checked by the evidence binding instead.
void apply_snp_rules(const snp::SnpReport& r, const SnpRules& rules, bool turin,
                     bool skip_report_data, Verdict& v);

}  // namespace cocos::verifier::policy
