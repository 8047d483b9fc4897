// Our copy of the Linux UAPI of /dev/sev-guest (include/uapi/linux/sev-guest.h), so the agent
// builds without kernel headers of the right vintage. Layouts are pinned by static_asserts
// here and compared against <linux/sev-guest.h> in tests/attestation when it is installed.
// Also the SNP firmware's MSG_REPORT_RSP layout (SNP ABI, table "MSG_REPORT_RSP"), which the
// kernel copies into snp_report_resp.data.
#pragma once

#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace cocos::attestation::sev_guest {

struct SnpReportReq {
  std::uint8_t user_data[64];  // REPORT_DATA
  std::uint32_t vmpl;
  std::uint8_t rsvd[28];  // must be zero
};

struct SnpReportResp {
  std::uint8_t data[4000];
};

struct SnpGuestErrors {
  std::uint32_t fw_error;   // bits 31:0 of exitinfo2
  std::uint32_t vmm_error;  // bits 63:32
};

struct SnpGuestRequestIoctl {
  std::uint8_t msg_version;  // must be non-zero (1)
  std::uint64_t req_data;
  std::uint64_t resp_data;
  union {
    std::uint64_t exitinfo2;
    SnpGuestErrors errors;
  };
};

struct SnpExtReportReq {
  SnpReportReq data;
  std::uint64_t certs_address;
  std::uint32_t certs_len;  // in: buffer size (page multiple); out: needed size on INVALID_LEN
};

static_assert(sizeof(SnpReportReq) == 96);
static_assert(offsetof(SnpReportReq, vmpl) == 64);
static_assert(sizeof(SnpReportResp) == 4000);
static_assert(sizeof(SnpGuestRequestIoctl) == 32);
static_assert(offsetof(SnpGuestRequestIoctl, req_data) == 8);
static_assert(offsetof(SnpGuestRequestIoctl, resp_data) == 16);
static_assert(offsetof(SnpGuestRequestIoctl, exitinfo2) == 24);
static_assert(sizeof(SnpExtReportReq) == 112);
static_assert(offsetof(SnpExtReportReq, certs_address) == 96);
static_assert(offsetof(SnpExtReportReq, certs_len) == 104);

inline constexpr unsigned long kSnpGetReport = _IOWR('S', 0x0, SnpGuestRequestIoctl);
inline constexpr unsigned long kSnpGetExtReport = _IOWR('S', 0x2, SnpGuestRequestIoctl);
inline constexpr std::uint32_t kVmmErrInvalidLen = 1;
inline constexpr std::uint32_t kVmmErrBusy = 2;

// MSG_REPORT_RSP inside SnpReportResp.data.
inline constexpr std::size_t kRspStatus = 0x00;      // u32, 0 = success
inline constexpr std::size_t kRspReportSize = 0x04;  // u32
inline constexpr std::size_t kRspReport = 0x20;      // the report itself

}  // namespace cocos::attestation::sev_guest
