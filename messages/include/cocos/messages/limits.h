// Decoder limits: every size the strict decoder accepts from a peer. The defaults are safe for a
// manager and an agent on the same trust level; tests and fuzzers shrink them.
#pragma once

#include <cstddef>

namespace cocos::messages {

struct Limits {
  std::size_t max_string = 64 * 1024;               // one msgpack str (bytes)
  std::size_t max_bin = 1024 * 1024;                // one msgpack bin (bytes)
  std::size_t max_array = 10000;                    // elements of one array
  std::size_t max_map = 10000;                      // entries of one map
  std::size_t max_depth = 16;                       // nesting of arrays/maps
  std::size_t max_header = 4 * 1024;                // frame 1 (header) in bytes
  std::size_t max_body = 4 * 1024 * 1024;           // frame 2 (body) in bytes
  std::size_t max_raw = 16 * 1024 * 1024;           // frame 3 (raw chunk) in bytes
  std::size_t max_manifest_json = 4 * 1024 * 1024;  // manifest JSON text in bytes
};

}  // namespace cocos::messages
