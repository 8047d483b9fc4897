// Field-by-field descriptions of reports and evidence for `show` (ordered name/value pairs).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cocos/verifier/evidence/evidence.h"
#include "cocos/verifier/snp/report.h"
#include "cocos/verifier/vtpm/event_log.h"

namespace cocos::verifier::app {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields describe_report(const snp::SnpReport& r);
Fields describe_cert_table(const snp::CertTable& t);
Fields describe_evidence(const evidence::EvidenceInput& ev);
// Header, every event (PCR, type, digests, data size) and the replayed PCR values.
Fields describe_event_log(const vtpm::EventLog& log);

}  // namespace cocos::verifier::app
