// Hex and base64 encodings used on the wire, in JSON manifests and in command-line output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/result.h"

namespace cocos {

using Bytes = std::vector<std::uint8_t>;

std::string to_hex(std::span<const std::uint8_t> bytes);
inline std::string to_hex(std::string_view s) {
  return to_hex(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
// Accepts upper or lower case; rejects odd lengths and non-hex characters ("bad_hex").
Result<Bytes> from_hex(std::string_view hex);

std::string to_base64(std::span<const std::uint8_t> bytes);
// Standard alphabet with padding; also accepts URL-safe and unpadded input ("bad_base64").
Result<Bytes> from_base64(std::string_view b64);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace cocos
