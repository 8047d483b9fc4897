// The byte strings that providers and consumers sign. Both are domain-separated text so that a
// signature made for one purpose, item or computation is useless for any other.
//
// 1. The statement a provider signs for an upload. It binds the computation, the item and the
// item's SHA3-256, so a signature cannot be replayed for another item or computation
// (the Go agent signs only the bytes). Exact bytes (UTF-8, each line ends with '\n'):
//
//   cocos-upload-statement-v1
//   computation: <computation id>
//   item: algorithm  |  item: requirements  |  item: dataset <index> <filename>
//   sha3-256: <64 lowercase hex>
//
// The index is the dataset's 0-based position in the manifest, in decimal.
//
// 2. The statement a result consumer signs to prove it holds a declared consumer key:
//
//   cocos-result-challenge-v1
//   computation: <computation id>
//   challenge: <hex of the agent-issued challenge bytes>
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cocos/common/encoding.h"

namespace cocos {

struct UploadItem {
  enum class Kind { kAlgorithm, kRequirements, kDataset } kind = Kind::kAlgorithm;
  std::uint32_t index = 0;  // datasets only
  std::string filename;     // datasets only

  static UploadItem algorithm() { return {}; }
  static UploadItem requirements() { return {Kind::kRequirements, 0, {}}; }
  static UploadItem dataset(std::uint32_t i, std::string name) {
    return {Kind::kDataset, i, std::move(name)};
  }
  std::string describe() const;  // "algorithm", "requirements" or "dataset 1 (b.csv)"
};

std::string upload_statement(std::string_view computation_id, const UploadItem& item,
                             std::span<const std::uint8_t> sha3_256);

std::string result_challenge_statement(std::string_view computation_id,
                                       std::span<const std::uint8_t> challenge);

}  // namespace cocos
