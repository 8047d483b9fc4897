// Builds the domain-separated signed statements (formats documented in the header).
#include "cocos/common/statements.h"

namespace cocos {

std::string UploadItem::describe() const {
  if (kind == Kind::kAlgorithm) return "algorithm";
  if (kind == Kind::kRequirements) return "requirements";
  return "dataset " + std::to_string(index) + " (" + filename + ")";
}

std::string upload_statement(std::string_view computation_id, const UploadItem& item,
                             std::span<const std::uint8_t> sha3_256) {
  std::string s = "cocos-upload-statement-v1\n";
  s += "computation: ";
  s += computation_id;
  s += "\nitem: ";
  if (item.kind == UploadItem::Kind::kAlgorithm) {
    s += "algorithm";
  } else if (item.kind == UploadItem::Kind::kRequirements) {
    s += "requirements";
  } else {
    s += "dataset " + std::to_string(item.index) + " " + item.filename;
  }
  s += "\nsha3-256: " + to_hex(sha3_256) + "\n";
  return s;
}

std::string result_challenge_statement(std::string_view computation_id,
                                       std::span<const std::uint8_t> challenge) {
  std::string s = "cocos-result-challenge-v1\ncomputation: ";
  s += computation_id;
  s += "\nchallenge: " + to_hex(challenge) + "\n";
  return s;
}

}  // namespace cocos
