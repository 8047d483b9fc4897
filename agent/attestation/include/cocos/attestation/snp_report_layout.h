// Offsets of the SEV-SNP ATTESTATION_REPORT fields the agent writes or checks (SNP ABI;
// attestation.md §1). All integers little-endian. The verifier has its own parser; these are
// only what the simulated PSP and the report checks need.
#pragma once

#include <cstddef>

namespace cocos::attestation::snp_layout {

inline constexpr std::size_t kVersion = 0x000;
inline constexpr std::size_t kGuestSvn = 0x004;
inline constexpr std::size_t kPolicy = 0x008;
inline constexpr std::size_t kFamilyId = 0x010;
inline constexpr std::size_t kImageId = 0x020;
inline constexpr std::size_t kVmpl = 0x030;
inline constexpr std::size_t kSignatureAlgo = 0x034;
inline constexpr std::size_t kCurrentTcb = 0x038;
inline constexpr std::size_t kPlatformInfo = 0x040;
inline constexpr std::size_t kSignerInfo = 0x048;
inline constexpr std::size_t kReportData = 0x050;
inline constexpr std::size_t kMeasurement = 0x090;
inline constexpr std::size_t kHostData = 0x0C0;
inline constexpr std::size_t kIdKeyDigest = 0x0E0;
inline constexpr std::size_t kAuthorKeyDigest = 0x110;
inline constexpr std::size_t kReportId = 0x140;
inline constexpr std::size_t kReportIdMa = 0x160;
inline constexpr std::size_t kReportedTcb = 0x180;
inline constexpr std::size_t kCpuidFamId = 0x188;
inline constexpr std::size_t kCpuidModId = 0x189;
inline constexpr std::size_t kCpuidStep = 0x18A;
inline constexpr std::size_t kChipId = 0x1A0;
inline constexpr std::size_t kCommittedTcb = 0x1E0;
inline constexpr std::size_t kCurrentBuild = 0x1E8;
inline constexpr std::size_t kCurrentMinor = 0x1E9;
inline constexpr std::size_t kCurrentMajor = 0x1EA;
inline constexpr std::size_t kCommittedBuild = 0x1EC;
inline constexpr std::size_t kCommittedMinor = 0x1ED;
inline constexpr std::size_t kCommittedMajor = 0x1EE;
inline constexpr std::size_t kLaunchTcb = 0x1F0;
inline constexpr std::size_t kSignedSize = 0x2A0;  // signature covers [0, 0x2A0)
inline constexpr std::size_t kSignatureR = 0x2A0;  // 72 bytes, little-endian
inline constexpr std::size_t kSignatureS = 0x2E8;  // 72 bytes, little-endian
inline constexpr std::size_t kSigComponentSize = 72;
inline constexpr std::size_t kReportSize = 0x4A0;

}  // namespace cocos::attestation::snp_layout
