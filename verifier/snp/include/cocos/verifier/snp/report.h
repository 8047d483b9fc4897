// SEV-SNP ATTESTATION_REPORT (1184 bytes, little-endian; attestation.md §1) as a typed record.
// Parsing accepts versions 2..5 and, with a warning, newer versions through their common
// prefix. It judges nothing else: whether a version or a value is acceptable is policy.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::verifier::snp {

inline constexpr std::size_t kReportSize = 0x4A0;
inline constexpr std::size_t kSignedSize = 0x2A0;
inline constexpr std::size_t kMaxReportFileBytes = 1 << 20;

enum class Product { kUnknown, kMilan, kGenoa, kTurin };
const char* product_name(Product p);                // "Milan", ...
Result<Product> parse_product(std::string_view s);  // milan, SEV_PRODUCT_MILAN, Milan-B0, ...

// TCB_VERSION: Milan/Genoa: bl tee - - - - snp ucode; Turin: fmc bl tee snp - - - ucode.
struct Tcb {
  std::uint8_t fmc = 0, bl = 0, tee = 0, snp = 0, ucode = 0;
  bool turin = false;
};
Tcb decompose_tcb(std::uint64_t raw, bool turin);
std::uint64_t compose_tcb(const Tcb& t);
bool tcb_le(const Tcb& a, const Tcb& b);  // every component of a <= the same of b
bool tcb_eq(const Tcb& a, const Tcb& b);
std::string tcb_string(std::uint64_t raw, bool turin);  // "0x... (bl 2 tee 0 snp 5 ucode 68)"

struct SnpReport {
  std::array<std::uint8_t, kReportSize> raw{};
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0;
  std::array<std::uint8_t, 16> family_id{}, image_id{};
  std::uint32_t vmpl = 0;
  std::uint32_t signature_algo = 0;
  std::uint64_t current_tcb = 0;
  std::uint64_t platform_info = 0;
  std::uint32_t signer_info = 0;
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, 48> measurement{};
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{}, author_key_digest{};
  std::array<std::uint8_t, 32> report_id{}, report_id_ma{};
  std::uint64_t reported_tcb = 0;
  bool has_cpuid = false;  // v3+
  std::uint8_t cpuid_fam = 0, cpuid_mod = 0, cpuid_step = 0;
  std::array<std::uint8_t, 64> chip_id{};
  std::uint64_t committed_tcb = 0;
  std::uint8_t current_build = 0, current_minor = 0, current_major = 0;
  std::uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  std::uint64_t launch_tcb = 0;
  bool has_mit_vectors = false;  // v5+
  std::uint64_t launch_mit_vector = 0, current_mit_vector = 0;

  bool author_key_en() const { return signer_info & 1; }
  bool mask_chip_key() const { return (signer_info >> 1) & 1; }
  std::uint32_t signing_key() const { return (signer_info >> 2) & 7; }  // 0 VCEK, 1 VLEK, 7 none
  std::span<const std::uint8_t> signed_bytes() const { return {raw.data(), kSignedSize}; }
  // Product from CPUID (v3+); kUnknown for v2.
  Product product_from_cpuid() const;
  // CHIP_ID all zero (MASK_CHIP_ID): no HWID to compare, no VCEK to fetch by chip.
  bool chip_id_masked() const;
};

// Certificates the host appended (GHCB extended-report certificate table).
struct CertTable {
  std::optional<Bytes> vcek, vlek, ask, ark;
  std::vector<std::string> other_guids;
};

struct LoadedReport {
  SnpReport report;
  CertTable certs;
  std::vector<std::string> warnings;
};

// "bad_report" with the reason for truncated, wrong sizes, unknown versions, non-zero
// signature padding.
Result<SnpReport> parse_report(std::span<const std::uint8_t> bytes,
                               std::vector<std::string>* warnings);
// A 1184-byte report, optionally followed by a certificate table; or the same as hex text.
Result<LoadedReport> load_report(std::span<const std::uint8_t> file_bytes);
Result<CertTable> parse_cert_table(std::span<const std::uint8_t> table);

}  // namespace cocos::verifier::snp
