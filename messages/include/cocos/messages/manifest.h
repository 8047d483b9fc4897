// The computation manifest: what will run, on which data, and who may read the results.
// Three forms share one struct:
//  * JSON (operators write it; cocos field names are accepted, see parse_manifest_json),
//  * the msgpack map inside `manifest.put` (same field names, binary hashes and keys),
//  * canonical JSON bytes, which the agent measures (SHA3-256 / SHA3-384, like cocos's PCR16).
// Every parse validates (validate_manifest); a Manifest obtained from a parser is valid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/common/result.h"
#include "cocos/messages/limits.h"

namespace cocos::messages {

inline constexpr std::size_t kMaxFilenameLength = 255;
inline constexpr std::size_t kMaxComputationIdLength = 128;

struct ManifestDataset {
  Bytes hash;          // SHA3-256, 32 bytes
  Bytes user_key_der;  // provider's SubjectPublicKeyInfo DER
  std::string filename;
  bool decompress = false;
  bool operator==(const ManifestDataset&) const = default;
};

struct ManifestAlgorithm {
  Bytes hash;             // SHA3-256, 32 bytes
  Bytes user_key_der;     // algorithm provider's SubjectPublicKeyInfo DER
  std::string algo_type;  // "bin" | "python" | "docker" | "wasm"
  std::vector<std::string> algo_args;
  std::optional<Bytes> requirements_hash;  // python requirements file, SHA3-256 (32 bytes)
  bool operator==(const ManifestAlgorithm&) const = default;
};

struct ManifestConsumer {
  Bytes user_key_der;
  bool operator==(const ManifestConsumer&) const = default;
};

struct Manifest {
  std::string id;  // computation id; also a directory name on the agent
  std::string name;
  std::string description;
  std::vector<ManifestDataset> datasets;
  ManifestAlgorithm algorithm;
  std::vector<ManifestConsumer> result_consumers;
  std::string consume_policy = "all";  // "all" | "first"
  std::optional<std::uint64_t> timeout_s;
  bool network = false;
  bool operator==(const Manifest&) const = default;
};

// Checks every rule (error "bad_manifest" naming the field): computation id non-empty, at most
// 128 chars of [A-Za-z0-9._-] and not "." or ".."; hashes 32 bytes; keys parse as public keys;
// algo_type known; dataset filenames non-empty, <= 255 bytes, no '/', no NUL, not "." or "..",
// unique; at least one result consumer; consume_policy "all" or "first"; timeout_s > 0.
Status validate_manifest(const Manifest& m);

// Parses manifest JSON. Accepted spellings: "userKey" or "user_key"; hashes as 64 hex chars,
// base64 of 32 bytes, or an array of 32 integers (cocos's internal JSON); keys as PEM or
// base64 DER. Unknown fields are ignored. Errors: "bad_manifest" (naming the field), "too_large".
Result<Manifest> parse_manifest_json(std::string_view json, const Limits& limits = {});
Result<Manifest> load_manifest_file(const std::string& path, const Limits& limits = {});

// Human-friendly JSON (hex hashes, PEM keys, indented); parse_manifest_json reads it back.
std::string manifest_to_json(const Manifest& m);

// The canonical bytes the agent measures. Exactly: the JSON object with keys sorted by byte
// value at every level, no whitespace, UTF-8, no trailing newline; hashes as lowercase hex
// strings; keys as standard padded base64 of the DER under "userKey"; optional fields
// ("requirements_hash", "timeout_s") present only when set; all other fields always present.
std::string canonical_manifest_json(const Manifest& m);
// digest(alg, canonical_manifest_json(m)).
Bytes manifest_digest(const Manifest& m, HashAlg alg);

}  // namespace cocos::messages
