// IGVM file parsing (microsoft/igvm igvm_defs; attestation.md §5.1): fixed header, CRC-32,
// variable headers in section order, platform compatibility masks, file-data bounds.
// The parsed form borrows the file bytes (`data`); keep the buffer alive while using it.
// Every error has code "bad_igvm" and a message naming the header and the offending field.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::igvm {

inline constexpr std::uint32_t kIgvmMagic = 0x4D564749;  // "IGVM"
inline constexpr std::size_t kMaxIgvmFileBytes = std::size_t{1} << 30;

// Variable header types (IGVM_VHT_*).
enum VhtType : std::uint32_t {
  kVhtSupportedPlatform = 0x001,
  kVhtGuestPolicy = 0x101,
  kVhtRelocatableRegion = 0x102,
  kVhtPageTableRelocation = 0x103,
  kVhtCorimDocument = 0x104,
  kVhtCorimSignature = 0x105,
  kVhtCcaPolicy = 0x106,
  kVhtParameterArea = 0x301,
  kVhtPageData = 0x302,
  kVhtParameterInsert = 0x303,
  kVhtVpContext = 0x304,
  kVhtRequiredMemory = 0x305,
  kVhtVpCount = 0x307,
  kVhtSrat = 0x308,
  kVhtMadt = 0x309,
  kVhtMmioRanges = 0x30A,
  kVhtSnpIdBlock = 0x30B,
  kVhtMemoryMap = 0x30C,
  kVhtErrorRange = 0x30D,
  kVhtCommandLine = 0x30E,
  kVhtSlit = 0x30F,
  kVhtPptt = 0x310,
  kVhtVbsMeasurement = 0x311,
  kVhtDeviceTree = 0x312,
  kVhtEnvironmentInfo = 0x313,
};

enum class PlatformType : std::uint8_t {
  kNative = 0,
  kVsmIsolation = 1,
  kSevSnp = 2,
  kTdx = 3,
  kSev = 4,
  kSevEs = 5,
  kCca = 6,
};

// PAGE_DATA flags and data types.
inline constexpr std::uint32_t kPageFlag2Mb = 1u << 0;
inline constexpr std::uint32_t kPageFlagUnmeasured = 1u << 1;
inline constexpr std::uint32_t kPageFlagShared = 1u << 2;
enum class PageDataType : std::uint16_t { kNormal = 0, kSecrets = 1, kCpuidData = 2, kCpuidXf = 3 };

struct Platform {
  std::uint32_t mask;
  std::uint8_t highest_vtl;
  PlatformType type;
  std::uint16_t version;
  std::uint64_t shared_gpa_boundary;
};

struct GuestPolicy {
  std::uint64_t policy;
  std::uint32_t mask;
};

struct ParameterArea {
  std::uint32_t index;
  std::uint64_t size;
  std::uint32_t file_offset;
};

struct IdBlock {
  std::uint32_t mask = 0;
  bool author_key_enabled = false;
  std::array<std::uint8_t, 48> ld{};
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint32_t id_key_algorithm = 0;
  std::uint32_t author_key_algorithm = 0;
  Bytes id_key_amd;      // 0x404-byte AMD-format public key (curve, qx, qy, padding)
  Bytes author_key_amd;  // same format
};

enum class DirectiveKind { kPageData, kParameterInsert, kVpContext, kOther };

// One directive header in file order (only what measurement needs).
struct Directive {
  DirectiveKind kind = DirectiveKind::kOther;
  std::uint32_t type = 0;
  std::uint64_t gpa = 0;
  std::uint32_t mask = 0;
  std::uint32_t file_offset = 0;
  std::uint32_t flags = 0;
  PageDataType data_type = PageDataType::kNormal;
  std::uint32_t area_index = 0;  // PARAMETER_INSERT
  std::uint64_t area_size = 0;   // PARAMETER_INSERT: size of the inserted area
  std::uint16_t vp_index = 0;    // VP_CONTEXT
};

struct IgvmFile {
  std::uint32_t format_version = 0;
  std::uint32_t checksum = 0;
  std::vector<Platform> platforms;
  std::vector<GuestPolicy> policies;
  std::vector<ParameterArea> areas;
  std::vector<IdBlock> id_blocks;
  std::vector<Directive> directives;
  std::size_t header_count = 0;
  std::span<const std::uint8_t> data;  // the whole file (borrowed)
};

// CRC-32 (IEEE 802.3 / zlib polynomial), as the IGVM checksum uses.
std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

Result<IgvmFile> parse_igvm(std::span<const std::uint8_t> file);
// The result borrows the bytes: parsing a temporary buffer would leave it dangling.
Result<IgvmFile> parse_igvm(Bytes&& file) = delete;

const char* platform_type_name(PlatformType t);

}  // namespace cocos::igvm
