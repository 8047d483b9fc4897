// /dev/sev-guest ioctls (see sev_guest_provider.h).
#include "cocos/attestation/sev_guest_provider.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cocos/attestation/cert_table.h"
#include "cocos/attestation/evidence.h"
#include "cocos/attestation/sev_guest_uapi.h"
#include "cocos/common/unique_fd.h"
#include "file_io.h"

namespace cocos::attestation {
namespace {

using namespace sev_guest;

std::uint32_t le32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

Error ioctl_error(const char* what, int err, const SnpGuestRequestIoctl& io) {
  return make_error("internal", std::string(what) + " failed: " + errno_text(err) + " (fw_error " +
                                    std::to_string(io.errors.fw_error) + ", vmm_error " +
                                    std::to_string(io.errors.vmm_error) + ")");
}

}  // namespace

bool SevGuestProvider::available(const std::string& device) {
  struct stat st {};
  return ::stat(device.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

Result<Bytes> parse_report_response(std::span<const std::uint8_t> resp) {
  if (resp.size() < kRspReport) return make_error("internal", "MSG_REPORT_RSP too short");
  const std::uint32_t status = le32(resp.data() + kRspStatus);
  const std::uint32_t size = le32(resp.data() + kRspReportSize);
  if (status != 0) {
    return make_error("internal", "SNP firmware returned status " + std::to_string(status) +
                                      " for the report request");
  }
  if (size != kSnpReportSize || kRspReport + size > resp.size()) {
    return make_error("internal", "MSG_REPORT_RSP report_size " + std::to_string(size) + " (want " +
                                      std::to_string(kSnpReportSize) + ")");
  }
  return Bytes(resp.begin() + kRspReport, resp.begin() + kRspReport + size);
}

Result<SnpReport> SevGuestProvider::get_report(std::span<const std::uint8_t, 64> report_data) {
  UniqueFd dev{::open(config_.device.c_str(), O_RDWR | O_CLOEXEC)};
  if (!dev.valid()) {
    return make_error("attestation_unavailable",
                      "cannot open " + config_.device + ": " + errno_text(errno));
  }
  SnpExtReportReq req{};
  std::memcpy(req.data.user_data, report_data.data(), 64);
  req.data.vmpl = config_.vmpl;
  SnpReportResp resp{};
  Bytes certs(4 * 4096, 0);  // the kernel wants page multiples; typical chains fit in 3 pages

  SnpGuestRequestIoctl io{};
  io.msg_version = 1;
  io.req_data = reinterpret_cast<std::uintptr_t>(&req);
  io.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
  for (int round = 0; round < 2; ++round) {
    req.certs_address = reinterpret_cast<std::uintptr_t>(certs.data());
    req.certs_len = static_cast<std::uint32_t>(certs.size());
    io.exitinfo2 = 0;
    if (::ioctl(dev.get(), kSnpGetExtReport, &io) == 0) {
      auto report = parse_report_response(resp.data);
      if (!report) return report.take_error();
      if (auto s = check_report(*report, report_data, "SNP_GET_EXT_REPORT"); !s) {
        return s.take_error();
      }
      auto table = parse_cert_table(certs);  // all zero when the host has no certificates
      if (!table) return table.take_error();
      return SnpReport{std::move(*report), std::move(*table)};
    }
    const int err = errno;
    if (io.errors.vmm_error == kVmmErrInvalidLen && round == 0 && req.certs_len > certs.size() &&
        req.certs_len <= (1u << 20)) {
      certs.assign(req.certs_len, 0);  // the host told us how much it needs
      continue;
    }
    spdlog::info("attestation: SNP_GET_EXT_REPORT unavailable ({}); using SNP_GET_REPORT",
                 ioctl_error("SNP_GET_EXT_REPORT", err, io).message);
    break;
  }

  SnpReportReq plain{};
  std::memcpy(plain.user_data, report_data.data(), 64);
  plain.vmpl = config_.vmpl;
  std::memset(&resp, 0, sizeof resp);
  io = SnpGuestRequestIoctl{};
  io.msg_version = 1;
  io.req_data = reinterpret_cast<std::uintptr_t>(&plain);
  io.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
  if (::ioctl(dev.get(), kSnpGetReport, &io) != 0) {
    const int err = errno;
    return ioctl_error("SNP_GET_REPORT", err, io);
  }
  auto report = parse_report_response(resp.data);
  if (!report) return report.take_error();
  if (auto s = check_report(*report, report_data, "SNP_GET_REPORT"); !s) return s.take_error();
  return SnpReport{std::move(*report), {}};
}

}  // namespace cocos::attestation
