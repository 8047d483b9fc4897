// The `serve` workflow: a long-lived manager endpoint for any number of agents. It binds the
// ROUTER, answers every agent's hello (hello.ok with the last seq in that agent's event log),
// pings and events (each appended to the agent's event log and fsync'd before event.ack), and
// prints what it hears, until asked to stop. No computation is driven: it is the fleet's event
// collector and, with the HTTP face, its dashboard. `run`, `state`, `stop` and `attest` bind an
// endpoint of their own; an agent talks to one manager endpoint at a time.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "cocos/common/result.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/router.h"

namespace cocos::manager {

struct ServeConfig {
  std::string bind;
  std::string events_dir;
  RouterOptions router;     // CURVE
  SessionObserver monitor;  // the HTTP face's model, after the printing; may be empty
  // How often `stop` is asked while the bus is quiet.
  std::chrono::milliseconds stop_poll{200};
};

struct ServeSummary {
  std::uint64_t agents = 0;  // distinct agents heard from
  std::uint64_t events = 0;  // events stored (each once)
};

// Serves until `stop()` returns true (asked after each message, and every stop_poll while
// quiet). Errors: the Router's bind errors; "io_error" when an event cannot be stored (it was
// refused, not acknowledged, so its agent keeps it for the next manager).
Result<ServeSummary> serve_agents(const ServeConfig& config, std::ostream& out,
                                  const std::function<bool()>& stop);

}  // namespace cocos::manager
