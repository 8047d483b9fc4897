// Attestation policy: plain data, every field optional ("unset = not checked").
// Loaded from JSON in two forms (see verifier/README.md):
//  * cocos's attestation policy as is: {"policy": go-sev-guest check.Policy in protojson,
//    "rootOfTrust": {...}, "pcr_values": {...}};
//  * our own form: {"format": "cocos-verifier/policy/v1", "product", "snp": {...}, "pcrs": {...}}.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/verifier/snp/report.h"

namespace cocos::verifier::policy {

// Guest POLICY bits (attestation.md §1).
inline constexpr std::uint64_t kPolicySmt = 1ull << 16;
inline constexpr std::uint64_t kPolicyReserved17 = 1ull << 17;
inline constexpr std::uint64_t kPolicyMigrateMa = 1ull << 18;
inline constexpr std::uint64_t kPolicyDebug = 1ull << 19;
inline constexpr std::uint64_t kPolicySingleSocket = 1ull << 20;
inline constexpr std::uint64_t kPolicyCxlAllow = 1ull << 21;
inline constexpr std::uint64_t kPolicyMemAes256Xts = 1ull << 22;
inline constexpr std::uint64_t kPolicyRaplDis = 1ull << 23;
inline constexpr std::uint64_t kPolicyCiphertextHiding = 1ull << 24;
inline constexpr std::uint64_t kPolicyPageSwapDisable = 1ull << 25;

struct SnpRules {
  std::optional<Bytes> measurement, report_data, host_data, family_id, image_id, report_id,
      report_id_ma, chip_id;
  std::optional<std::uint64_t> guest_policy;  // maximum (allowed bits) and requirements
  std::optional<std::uint64_t> minimum_tcb, minimum_launch_tcb;
  std::optional<std::uint32_t> minimum_build;
  std::optional<std::uint16_t> minimum_version;  // major << 8 | minor
  bool permit_provisional_firmware = false;
  std::optional<std::uint32_t> minimum_guest_svn;
  std::optional<std::uint64_t> platform_info;  // maximum
  std::optional<std::uint32_t> vmpl;
  bool require_author_key = false;
  bool require_id_block = false;
  std::vector<Bytes> trusted_author_key_hashes, trusted_id_key_hashes;  // SHA-384, 48 bytes
  std::optional<std::uint64_t> required_launch_mit_vector, required_current_mit_vector;
  std::optional<std::uint32_t> minimum_report_version;
};

// bank ("sha1", "sha256", "sha384", "sha512") -> PCR index -> value.
using PcrValues = std::map<std::string, std::map<std::uint32_t, Bytes>>;

struct Policy {
  std::string form;  // "cocos" or "cocos-verifier/policy/v1"
  std::optional<snp::Product> product;
  SnpRules snp;
  PcrValues pcrs;
  // Our form's "event_log": {"secure_boot": true}: the evidence must carry a firmware event log
  // that replays to a verified quote's PCR 7 and records SecureBoot enabled.
  bool require_secure_boot = false;
  // cocos overwrites reportData with the binding at verification time; so do we.
  bool report_data_from_binding = false;
  std::vector<std::string> warnings;
};

// "bad_policy" naming the key and the problem. Input bounded to 1 MiB.
Result<Policy> parse_policy(std::string_view json);
Result<Policy> load_policy_file(const std::string& path);

}  // namespace cocos::verifier::policy
