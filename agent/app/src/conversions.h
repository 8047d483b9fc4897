// Translations between the program's configuration / the wire vocabulary and the libraries the
// agent is built from (attestation, runner, archive, core events).
#pragma once

#include <functional>
#include <string>

#include "cocos/agent/core/config.h"
#include "cocos/agent/core/event_journal.h"
#include "cocos/messages/bodies.h"
#include "cocos/runner/runner.h"

namespace cocos::agent::app {

runner::RunnerConfig runner_config(const AgentConfig& c);

// Safe unzip (archive library) with the configured limits.
std::function<Status(const std::string&, const std::string&)> make_unpacker(const AgentConfig& c);

messages::Event to_event_body(const EventRecord& r);

// Splits a command line on spaces (for --pip-options / --wasm-runtime).
std::vector<std::string> split_words(const std::string& s);

}  // namespace cocos::agent::app
