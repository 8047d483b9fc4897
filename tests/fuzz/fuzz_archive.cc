// libFuzzer target: extract_zip_bytes on arbitrary input into a per-process scratch directory.
// Besides memory errors it checks the extractor's promise: a refusal leaves nothing behind.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cocos/archive/zip_extract.h"

namespace {
const std::string& scratch() {
  static const std::string dir = [] {
    std::string t = (std::filesystem::temp_directory_path() / "cocos-fuzz-archive-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }();
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  cocos::archive::ExtractLimits limits;
  limits.max_entries = 64;
  limits.max_entry_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  const std::string target = scratch() + "/out";
  auto r = cocos::archive::extract_zip_bytes({data, size}, target, limits);
  std::error_code ec;
  if (!r.ok() && fs::exists(target, ec)) std::abort();  // a refusal must leave no target
  for (auto& e : fs::directory_iterator(scratch(), ec)) {
    if (e.path() != target) std::abort();  // no staging directory left over
  }
  fs::remove_all(target, ec);
  return 0;
}
