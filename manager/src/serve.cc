// serve_agents: one Router, one AgentSession with no agent of its own, pumped until stopped.
#include "cocos/manager/serve.h"

#include <set>

#include "cocos/manager/observers.h"

namespace cocos::manager {

Result<ServeSummary> serve_agents(const ServeConfig& c, std::ostream& out,
                                  const std::function<bool()>& stop) {
  auto router = Router::bind(c.bind, c.router);
  if (!router) return router.take_error();
  out << "manager: serving agents on " << router->endpoint() << (router->curve() ? " (CURVE)" : "")
      << ", events in " << c.events_dir << "\n"
      << std::flush;

  ServeSummary summary;
  std::set<std::string> seen;
  SessionObserver counting;
  counting.on_seen = [&](const std::string& agent) {
    if (seen.insert(agent).second) summary.agents = seen.size();
  };
  counting.on_event = [&](const StoredEvent&) { ++summary.events; };
  AgentSession session(
      *router, c.events_dir,
      chain_observers(chain_observers(printing_observer(out), counting), c.monitor));
  while (!stop()) {
    // The session serves every agent alike: it has none of its own to wait for.
    auto st = session.pump_until(stop, std::chrono::steady_clock::now() + c.stop_poll);
    if (!st && st.error().code != "timeout") return st.take_error();
  }
  return summary;
}

}  // namespace cocos::manager
