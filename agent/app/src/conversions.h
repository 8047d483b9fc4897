// Translations between the program's configuration / the wire vocabulary and the libraries the
// agent is built from (attestation, runner, archive, core events).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cocos/agent/core/agent.h"
#include "cocos/agent/core/config.h"
#include "cocos/agent/core/event_journal.h"
#include "cocos/messages/bodies.h"
#include "cocos/runner/cgroup.h"
#include "cocos/runner/runner.h"
#include "job_thread.h"
#include "loop_queue.h"

namespace cocos::agent::app {

runner::RunnerConfig runner_config(const AgentConfig& c);

// The parent cgroup of this agent's runs (--run-cgroup: auto, off or a directory), with what a
// dead predecessor left in it removed; nullopt when runs get no cgroup (off, no writable
// cgroup v2 directory: a warning says why).
std::optional<runner::AgentRunCgroups> open_run_cgroups(const AgentConfig& c);

// The agent's Unpacker: safe unzip (archive library, configured limits) on `worker`, the outcome
// posted to the loop thread through `loop`. Both must outlive the Agent that uses it.
Unpacker make_unpacker(const AgentConfig& c, JobThread& worker, LoopQueue& loop);

messages::Event to_event_body(const EventRecord& r);

// Splits a command line on spaces (for --pip-options / --wasm-runtime).
std::vector<std::string> split_words(const std::string& s);

}  // namespace cocos::agent::app
