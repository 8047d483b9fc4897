// /dev/sev-guest: our UAPI copy against the kernel header, MSG_REPORT_RSP parsing, and the
// errors of a missing or wrong device (no SEV-SNP guest here, so no real ioctl succeeds).
#include <gtest/gtest.h>

#if __has_include(<linux/sev-guest.h>)
#include <linux/sev-guest.h>
#define COCOS_HAVE_SEV_GUEST_H 1
#endif

#include <cstddef>

#include "cocos/attestation/evidence.h"
#include "cocos/attestation/sev_guest_provider.h"
#include "cocos/attestation/sev_guest_uapi.h"

namespace cocos::attestation {
namespace {

namespace sg = sev_guest;

TEST(SevGuestUapi, LayoutsAreTheKernels) {
  EXPECT_EQ(sizeof(sg::SnpReportReq), 96u);
  EXPECT_EQ(offsetof(sg::SnpReportReq, vmpl), 64u);
  EXPECT_EQ(offsetof(sg::SnpReportReq, rsvd), 68u);
  EXPECT_EQ(sizeof(sg::SnpGuestRequestIoctl), 32u);
  EXPECT_EQ(offsetof(sg::SnpGuestRequestIoctl, errors) + offsetof(sg::SnpGuestErrors, vmm_error),
            28u);
  EXPECT_EQ(sizeof(sg::SnpExtReportReq), 112u);
  EXPECT_EQ(offsetof(sg::SnpExtReportReq, certs_len), 104u);
  // _IOWR('S', n, 32-byte struct): dir 3 << 30 | size 32 << 16 | 'S' << 8 | n.
  EXPECT_EQ(sg::kSnpGetReport, 0xC0205300ul);
  EXPECT_EQ(sg::kSnpGetExtReport, 0xC0205302ul);
#ifdef COCOS_HAVE_SEV_GUEST_H
  EXPECT_EQ(sizeof(sg::SnpReportReq), sizeof(snp_report_req));
  EXPECT_EQ(offsetof(sg::SnpReportReq, vmpl), offsetof(snp_report_req, vmpl));
  EXPECT_EQ(sizeof(sg::SnpReportResp), sizeof(snp_report_resp));
  EXPECT_EQ(sizeof(sg::SnpGuestRequestIoctl), sizeof(snp_guest_request_ioctl));
  EXPECT_EQ(offsetof(sg::SnpGuestRequestIoctl, req_data),
            offsetof(snp_guest_request_ioctl, req_data));
  EXPECT_EQ(offsetof(sg::SnpGuestRequestIoctl, resp_data),
            offsetof(snp_guest_request_ioctl, resp_data));
  EXPECT_EQ(offsetof(sg::SnpGuestRequestIoctl, exitinfo2),
            offsetof(snp_guest_request_ioctl, exitinfo2));
  EXPECT_EQ(sizeof(sg::SnpExtReportReq), sizeof(snp_ext_report_req));
  EXPECT_EQ(offsetof(sg::SnpExtReportReq, certs_address),
            offsetof(snp_ext_report_req, certs_address));
  EXPECT_EQ(offsetof(sg::SnpExtReportReq, certs_len), offsetof(snp_ext_report_req, certs_len));
  EXPECT_EQ(sg::kSnpGetReport, static_cast<unsigned long>(SNP_GET_REPORT));
  EXPECT_EQ(sg::kSnpGetExtReport, static_cast<unsigned long>(SNP_GET_EXT_REPORT));
#else
  GTEST_SKIP() << "<linux/sev-guest.h> not installed; compared against literal values only";
#endif
}

Bytes response(std::uint32_t status, std::uint32_t size) {
  Bytes r(4000, 0);
  for (int i = 0; i < 4; ++i) {
    r[sg::kRspStatus + i] = static_cast<std::uint8_t>(status >> (8 * i));
    r[sg::kRspReportSize + i] = static_cast<std::uint8_t>(size >> (8 * i));
  }
  for (std::size_t i = 0; i < kSnpReportSize; ++i)
    r[sg::kRspReport + i] = static_cast<std::uint8_t>(i);
  return r;
}

TEST(SevGuestResponse, ExtractsTheReport) {
  auto r = parse_report_response(response(0, kSnpReportSize));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), kSnpReportSize);
  EXPECT_EQ((*r)[0], 0);
  EXPECT_EQ((*r)[0x50], 0x50);
}

TEST(SevGuestResponse, RejectsFirmwareErrorsAndOddSizes) {
  auto bad_status = parse_report_response(response(0x16, kSnpReportSize));
  ASSERT_FALSE(bad_status.ok());
  EXPECT_NE(bad_status.error().message.find("status 22"), std::string::npos);
  EXPECT_FALSE(parse_report_response(response(0, 1000)).ok());
  EXPECT_FALSE(parse_report_response(response(0, 5000)).ok());
  EXPECT_FALSE(parse_report_response(Bytes(16, 0)).ok());
}

TEST(SevGuestProvider, MissingDeviceIsUnavailable) {
  SevGuestProvider p({"/nonexistent/sev-guest", 2});
  EXPECT_FALSE(SevGuestProvider::available("/nonexistent/sev-guest"));
  std::array<std::uint8_t, 64> rd{};
  auto r = p.get_report(rd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "attestation_unavailable");
  EXPECT_NE(r.error().message.find("/nonexistent/sev-guest"), std::string::npos);
}

// /dev/null is a character device that knows no SNP ioctl: both requests fail, and the error
// names the fallback request and the kernel's answer.
TEST(SevGuestProvider, DeviceWithoutTheIoctlsFailsClearly) {
  SevGuestProvider p({"/dev/null", 2});
  std::array<std::uint8_t, 64> rd{};
  auto r = p.get_report(rd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "internal");
  EXPECT_NE(r.error().message.find("SNP_GET_REPORT failed"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace cocos::attestation
