// The attestation request and the evidence the agent returns for `attestation.get`.
//
// `Evidence` mirrors the "Evidence body" of PLAN.md field for field (same names), so the
// messages library can encode it to the msgpack body map without renaming anything:
//   platform, simulated, tee_nonce (64, zero-padded), vtpm_nonce (32, zero-padded),
//   snp_report (1184, absent for vtpm), certs (vcek|vlek, ask|asvk, ark -> DER),
//   ak_public (marshalled TPMT_PUBLIC, absent for snp), quotes (absent for snp),
//   bus_key (only when bind_bus_key), binding (name of the binding rule used), event_log (the
//   firmware TCG event log, vtpm and snp-vtpm, when the machine has one).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"

namespace cocos::attestation {

inline constexpr std::size_t kTeeNonceSize = 64;   // SNP REPORT_DATA size
inline constexpr std::size_t kVtpmNonceSize = 32;  // cocos always quotes with 32 bytes
inline constexpr std::size_t kBusKeySize = 32;     // CURVE public key, raw
inline constexpr std::size_t kSnpReportSize = 0x4A0;
// A firmware event log is tens of KiB; larger files are not sent (one msgpack bin of a body
// holds at most 1 MiB).
inline constexpr std::size_t kMaxEventLogBytes = 1u << 20;

enum class Platform { kSnp, kVtpm, kSnpVtpm };

// "snp", "vtpm", "snp-vtpm".
std::string_view platform_name(Platform p);
// Inverse of platform_name; anything else fails with "bad_message".
Result<Platform> parse_platform(std::string_view name);

struct AttestationRequest {
  Platform type = Platform::kSnp;
  Bytes tee_nonce;   // <= 64 bytes; zero-padded to 64
  Bytes vtpm_nonce;  // <= 32 bytes; zero-padded to 32
  bool bind_bus_key = false;
  Bytes bus_key;  // the agent's 32-byte CURVE public key; required when bind_bus_key
};

// One TPM2_Quote over every PCR of one allocated bank.
struct Quote {
  std::string hash_alg;                 // bank: "sha1" | "sha256" | "sha384" | "sha512"
  Bytes attest;                         // marshalled TPMS_ATTEST (what the AK signed)
  Bytes signature;                      // marshalled TPMT_SIGNATURE
  std::map<std::uint32_t, Bytes> pcrs;  // PCR index -> value in that bank
};

struct Evidence {
  std::string platform;  // platform_name() of the request type
  bool simulated = false;
  Bytes tee_nonce;   // always 64 bytes
  Bytes vtpm_nonce;  // always 32 bytes
  std::optional<Bytes> snp_report;
  std::map<std::string, Bytes> certs;
  std::optional<Bytes> ak_public;
  std::optional<std::vector<Quote>> quotes;
  std::optional<Bytes> bus_key;
  std::string binding;
  std::optional<Bytes> event_log;
};

// Right-pads `nonce` with zeros to `size` bytes, as cocos does. Longer input fails with
// "bad_nonce" naming `what` ("tee_nonce", "vtpm_nonce") and both lengths.
Result<Bytes> pad_nonce(std::span<const std::uint8_t> nonce, std::size_t size,
                        std::string_view what);

}  // namespace cocos::attestation
