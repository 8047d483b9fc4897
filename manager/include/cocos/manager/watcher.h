// `watch`: a monitor that subscribes to an agent's PUB socket and prints lifecycle events and
// log lines as they are published (best effort: a monitor that joins late sees only what comes
// next; the manager's event log is the reliable record).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "cocos/common/result.h"

namespace cocos::manager {

struct WatchConfig {
  std::string connect;  // the agent's PUB endpoint
  std::string agent;    // only this agent ("" = every agent)
  bool json = false;    // JSON lines instead of text lines
  // Idle strategy: poll this long after each message before blocking (bus EventSubscriber).
  std::chrono::microseconds spin{1000};
  // SCHED_FIFO priority of the bus I/O thread where permitted (0: normal policy; bus/io_thread.h):
  // lower latency while other work holds the CPUs, at some cost when they are idle.
  int rt_priority = 0;
  std::uint64_t count = 0;  // exit after this many messages (0 = never)
  // CURVE: the agent's PUB is a CURVE server when the agent has a key pair. The monitor then
  // needs the agent's public key (Z85 file); its own key pair is read from `curve_key`
  // (prefix) or, when empty, generated for this run (the agent admits any client that knows
  // its public key; knowing that key is what makes a monitor authorised).
  std::string curve_server_key;
  std::string curve_key;
};

// Runs until `count` messages were printed (or forever). Errors: "io_error" for the socket.
// Malformed publications are skipped and counted on stderr.
Status watch_events(const WatchConfig& config, std::ostream& out);

}  // namespace cocos::manager
