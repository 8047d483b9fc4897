// The agent's view of a computation manifest: what it must receive (each item with its declared
// SHA3-256 and the public key of ITS provider), how to run it, and who may fetch the results.
//
// from_json() accepts the manifest JSON of PLAN.md (cocos field names: "userKey", "algo_type",
// "algo_args", "result_consumers"; hashes in hex or base64; keys as PEM or base64 DER) plus our
// additions ("consume_policy", "timeout_s", "network"). to_json() writes the same field names
// (hashes in hex), so the persisted copy in state.json reads back through from_json().
// Validation is strict: every key must parse, every hash must be 32 bytes, the id must be usable
// as a directory name, dataset filenames must be plain names; errors are "bad_manifest".
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/encoding.h"
#include "cocos/common/keys.h"
#include "cocos/common/result.h"

namespace cocos::agent {

struct DatasetSpec {
  Bytes sha3;
  std::string user_key;  // as given (PEM or base64 DER)
  std::string filename;  // may be empty: the uploader's filename is used
  bool decompress = false;
};

struct AlgorithmSpec {
  Bytes sha3;
  std::string user_key;
  std::string type = "bin";  // bin | python | docker | wasm
  std::vector<std::string> args;
  std::optional<Bytes> requirements_sha3;  // python requirements file, signed by the same key
};

struct ConsumerSpec {
  std::string user_key;
};

struct ComputationSpec {
  std::string id;
  std::string name;
  std::string description;
  std::vector<DatasetSpec> datasets;
  AlgorithmSpec algorithm;
  std::vector<ConsumerSpec> consumers;
  bool consume_all = true;  // consume_policy "all" (default) or "first"
  std::optional<std::uint64_t> timeout_s;
  bool network = false;

  static Result<ComputationSpec> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// Accepts a plain file or directory name: non-empty, <= 255 bytes, no '/', no NUL, not "." or "..".
bool is_plain_name(const std::string& name);

// Parses a declared key (PEM or base64 DER) into a PublicKey ("bad_manifest" on failure).
Result<PublicKey> parse_declared_key(const std::string& text, const std::string& what);

}  // namespace cocos::agent
