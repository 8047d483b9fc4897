// TPM 2.0 structures a quote verifier reads (TPM 2.0 Part 2; big-endian): TPMT_PUBLIC (RSA and
// ECC), TPMS_ATTEST (quote), TPMT_SIGNATURE. Hand-written bounded parsing: every size field is
// checked against the remaining bytes and trailing bytes are an error. Errors: "bad_tpm".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/keys.h"
#include "cocos/common/result.h"

namespace cocos::verifier::vtpm {

inline constexpr std::uint16_t kAlgRsa = 0x0001;
inline constexpr std::uint16_t kAlgSha1 = 0x0004;
inline constexpr std::uint16_t kAlgSha256 = 0x000B;
inline constexpr std::uint16_t kAlgSha384 = 0x000C;
inline constexpr std::uint16_t kAlgSha512 = 0x000D;
inline constexpr std::uint16_t kAlgNull = 0x0010;
inline constexpr std::uint16_t kAlgRsassa = 0x0014;
inline constexpr std::uint16_t kAlgRsapss = 0x0016;
inline constexpr std::uint16_t kAlgEcdsa = 0x0018;
inline constexpr std::uint16_t kAlgEcc = 0x0023;
inline constexpr std::uint32_t kGeneratedValue = 0xFF544347;
inline constexpr std::uint16_t kStAttestQuote = 0x8018;
inline constexpr std::uint32_t kAttrRestricted = 1u << 16;
inline constexpr std::uint32_t kAttrSign = 1u << 18;

std::string alg_name(std::uint16_t alg);  // "sha256", "rsassa", ... or "0x...."
// Digest size of a hash algorithm id; 0 when unknown.
std::size_t hash_size(std::uint16_t alg);
// Bank name ("sha1", "sha256", "sha384", "sha512") <-> algorithm id; "bad_tpm" if unknown.
Result<std::uint16_t> bank_alg(std::string_view name);

struct TpmPublic {
  std::uint16_t type = 0;
  std::uint16_t name_alg = 0;
  std::uint32_t attributes = 0;
  Bytes auth_policy;
  std::uint16_t scheme = kAlgNull;
  std::uint16_t scheme_hash = 0;
  std::uint16_t key_bits = 0;  // RSA
  std::uint32_t exponent = 0;  // RSA, 0 means 65537
  Bytes modulus;               // RSA
  std::uint16_t curve = 0;     // ECC
  Bytes x, y;                  // ECC
  PublicKey key() const;       // built by the parser
  std::shared_ptr<PublicKey> key_;
};

struct PcrSelection {
  std::uint16_t hash = 0;
  std::vector<std::uint32_t> pcrs;  // ascending
};

struct TpmAttest {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  Bytes qualified_signer;
  Bytes extra_data;
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0, restart_count = 0;
  std::uint8_t safe = 0;
  std::uint64_t firmware_version = 0;
  std::vector<PcrSelection> selections;  // only for quotes
  Bytes pcr_digest;
};

struct TpmSignature {
  std::uint16_t sig_alg = 0;
  std::uint16_t hash = 0;
  Bytes sig;   // RSASSA / RSAPSS
  Bytes r, s;  // ECDSA
};

Result<TpmPublic> parse_tpmt_public(std::span<const std::uint8_t> b);
Result<TpmAttest> parse_tpms_attest(std::span<const std::uint8_t> b);
Result<TpmSignature> parse_tpmt_signature(std::span<const std::uint8_t> b);

}  // namespace cocos::verifier::vtpm
