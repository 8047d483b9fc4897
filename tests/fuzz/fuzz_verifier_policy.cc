// Fuzzes the JSON policy loader (both forms).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cocos/verifier/policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)cocos::verifier::policy::parse_policy(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
