// libFuzzer target: the manifest JSON parser. Whatever parses must survive the human JSON round
// trip unchanged and have deterministic canonical bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cocos/messages/manifest.h"

using namespace cocos::messages;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = parse_manifest_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  auto back = parse_manifest_json(manifest_to_json(*m));
  if (!back.ok() || !(*back == *m)) std::abort();
  if (canonical_manifest_json(*back) != canonical_manifest_json(*m)) std::abort();
  return 0;
}
