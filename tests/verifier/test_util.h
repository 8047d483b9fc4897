// Small helpers shared by the verifier tests: data paths, file reading, verdict queries.
#pragma once

#include <string>

#include "cocos/common/encoding.h"
#include "cocos/igvm/measure.h"
#include "cocos/verifier/verdict.h"

namespace cocos::test {

inline std::string data_path(const std::string& rel) {
  return std::string(COCOS_TESTDATA) + "/" + rel;
}

inline Bytes read_data(const std::string& rel) {
  auto b = igvm::read_file_bounded(data_path(rel), 1 << 22);
  if (!b) return {};
  return *b;
}

inline const verifier::Check* find_check(const verifier::Verdict& v, const std::string& code) {
  for (const auto& c : v.checks()) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

inline bool passed(const verifier::Verdict& v, const std::string& code) {
  const auto* c = find_check(v, code);
  return c != nullptr && c->status == verifier::CheckStatus::kPass;
}

inline bool failed(const verifier::Verdict& v, const std::string& code) {
  const auto* c = find_check(v, code);
  return c != nullptr && c->status == verifier::CheckStatus::kFail;
}

inline std::string first_failure(const verifier::Verdict& v) {
  const auto* c = v.first_failure();
  return c ? c->code : "";
}

}  // namespace cocos::test
