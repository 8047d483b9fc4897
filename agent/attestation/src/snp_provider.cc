// Checks shared by the SNP providers (see snp_provider.h).
#include "cocos/attestation/snp_provider.h"

#include <algorithm>

#include "cocos/attestation/evidence.h"
#include "cocos/attestation/snp_report_layout.h"

namespace cocos::attestation {

Status check_report(std::span<const std::uint8_t> report,
                    std::span<const std::uint8_t, 64> report_data, std::string_view source) {
  if (report.size() != kSnpReportSize) {
    return make_error("internal", std::string(source) + " returned a " +
                                      std::to_string(report.size()) + "-byte report; want " +
                                      std::to_string(kSnpReportSize));
  }
  if (!std::equal(report_data.begin(), report_data.end(),
                  report.begin() + snp_layout::kReportData)) {
    return make_error("internal",
                      std::string(source) + " returned a report whose REPORT_DATA is not ours");
  }
  return ok_status();
}

}  // namespace cocos::attestation
