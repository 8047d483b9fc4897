// SNP reports through /dev/sev-guest ioctls: SNP_GET_EXT_REPORT (report + the host's
// certificate table), falling back to SNP_GET_REPORT (report only) when the host does not
// implement the extended request. Used when configfs-tsm is not available.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cocos/attestation/snp_provider.h"

namespace cocos::attestation {

inline constexpr const char* kDefaultSevGuestDevice = "/dev/sev-guest";

struct SevGuestConfig {
  std::string device = kDefaultSevGuestDevice;
  std::uint32_t vmpl = 2;
};

class SevGuestProvider : public SnpProvider {
 public:
  explicit SevGuestProvider(SevGuestConfig config) : config_(std::move(config)) {}
  Result<SnpReport> get_report(std::span<const std::uint8_t, 64> report_data) override;
  std::string name() const override { return "sev-guest"; }

  static bool available(const std::string& device);

 private:
  SevGuestConfig config_;
};

// Extracts the report from a MSG_REPORT_RSP (snp_report_resp.data): status must be 0 and
// report_size must be 1184 and fit. Errors: "internal" naming the firmware status.
Result<Bytes> parse_report_response(std::span<const std::uint8_t> resp);

}  // namespace cocos::attestation
