// AgentLink and ManagerEndpoint construction and the manager's liveness bookkeeping.
#include <spdlog/spdlog.h>

#include "cocos/bus/agent_link.h"
#include "cocos/bus/manager_endpoint.h"

namespace cocos::bus {

Result<AgentLink> AgentLink::connect(zmq::context_t& ctx, const std::string& endpoint,
                                     const std::string& agent_id, LinkOptions options) {
  if (agent_id.empty() || agent_id.size() > 255) {
    return make_error("bad_argument", "agent id must be 1..255 bytes");
  }
  try {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    apply_options(s, options);
    s.set(zmq::sockopt::routing_id, agent_id);
    s.connect(endpoint);
    return AgentLink(Channel(std::move(s), false, std::move(options)), agent_id, endpoint);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "agent link to '" + endpoint + "': " + e.what());
  }
}

Result<ManagerEndpoint> ManagerEndpoint::bind(zmq::context_t& ctx, const std::string& endpoint,
                                              LinkOptions options) {
  try {
    zmq::socket_t s(ctx, zmq::socket_type::router);
    apply_options(s, options);
    s.set(zmq::sockopt::router_mandatory, true);
    s.set(zmq::sockopt::router_handover, true);
    auto ep = bind_endpoint(s, endpoint);
    if (!ep) return ep.take_error();
    auto seen = std::make_shared<std::map<std::string, Clock::time_point>>();
    Channel c(std::move(s), true, std::move(options));
    c.set_on_receive([seen](const std::string& peer) { (*seen)[peer] = Clock::now(); });
    return ManagerEndpoint(std::move(c), *ep, std::move(seen));
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "manager endpoint '" + endpoint + "': " + e.what());
  }
}

std::vector<AgentSeen> ManagerEndpoint::agents() const {
  std::vector<AgentSeen> out;
  for (const auto& [id, t] : *seen_) out.push_back({id, t});
  return out;
}

std::vector<std::string> ManagerEndpoint::silent_agents(Clock::duration max_silence,
                                                        Clock::time_point now) const {
  std::vector<std::string> out;
  for (const auto& [id, t] : *seen_) {
    if (now - t > max_silence) out.push_back(id);
  }
  return out;
}

}  // namespace cocos::bus
