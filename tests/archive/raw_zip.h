// A byte-level zip writer for tests: builds archives no well-behaved library would write
// (traversal names, link and device modes, lying sizes, duplicates) to feed the extractor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cocos::archive::testing {

struct RawEntry {
  std::string name;
  std::string content;  // uncompressed bytes
  bool deflate = false;
  std::uint32_t unix_mode = 0100644;  // goes into the external attributes (creator Unix)
  std::int64_t declared_size = -1;    // overrides the uncompressed size in both headers
  std::string extra;                  // raw extra field bytes (local and central)
};

// Extra-field bytes: id, length, payload.
std::string extra_field(std::uint16_t id, const std::string& payload);

std::string build_zip(const std::vector<RawEntry>& entries);

}  // namespace cocos::archive::testing
