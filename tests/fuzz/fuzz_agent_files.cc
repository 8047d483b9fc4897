// Fuzzes the parsers of the agent's own files as a crash (or a tampering host) may leave them:
// one event-journal line and state.json. Either parses or is an Error; never a crash.
#include <cstdint>
#include <string>

#include "cocos/agent/core/event_journal.h"
#include "cocos/agent/core/persisted_state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)cocos::agent::event_from_json_line(text);
  (void)cocos::agent::PersistedState::from_json(text);
  return 0;
}
