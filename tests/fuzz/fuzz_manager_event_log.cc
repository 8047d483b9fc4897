// Fuzzes the manager's event-log line parser (lines torn by a crash are cut off on open; any
// other content must be an Error, never a crash).
#include <cstdint>
#include <string_view>

#include "cocos/manager/event_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)cocos::manager::event_from_json(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
