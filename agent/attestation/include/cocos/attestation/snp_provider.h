// The SNP report source interface: hardware (configfs-tsm, /dev/sev-guest) or the simulated
// PSP. A provider returns the raw 1184-byte ATTESTATION_REPORT for 64 bytes of REPORT_DATA,
// plus the certificates the platform supplies (keys "vcek"|"vlek", "ask"|"asvk", "ark"; DER).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

struct SnpReport {
  Bytes report;                        // exactly kSnpReportSize bytes
  std::map<std::string, Bytes> certs;  // may be empty
};

class SnpProvider {
 public:
  virtual ~SnpProvider() = default;
  // Fails with "attestation_unavailable" (device or interface missing) or "internal".
  virtual Result<SnpReport> get_report(std::span<const std::uint8_t, 64> report_data) = 0;
  virtual std::string name() const = 0;  // "configfs-tsm", "sev-guest", "simulated"
  virtual bool simulated() const { return false; }
};

// Checks that a report from the platform has the right size and echoes our REPORT_DATA
// (offset 0x50): a stale or foreign report must never be returned as ours.
Status check_report(std::span<const std::uint8_t> report,
                    std::span<const std::uint8_t, 64> report_data, std::string_view source);

}  // namespace cocos::attestation
