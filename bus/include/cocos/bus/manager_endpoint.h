// ManagerEndpoint: the manager's end of the bus, a bound ROUTER. Agents are addressed by their
// routing id (= agent id). ROUTER_MANDATORY makes a send to a vanished agent fail ("unreachable")
// instead of vanishing silently; ROUTER_HANDOVER lets a reconnecting agent take over its id
// from a stale connection. Every received message refreshes the sender's last-seen time, so the
// manager can notice silent agents (silent_agents()). Threading: like Channel, one thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "cocos/bus/channel.h"

namespace cocos::bus {

struct AgentSeen {
  std::string agent_id;
  Clock::time_point last_seen;
};

class ManagerEndpoint {
 public:
  // endpoint e.g. "tcp://127.0.0.1:*" (ephemeral: see endpoint()), "tcp://0.0.0.0:7001",
  // "ipc:///run/cocos/manager.sock". Error "io_error" (address in use, bad endpoint).
  static Result<ManagerEndpoint> bind(zmq::context_t& ctx, const std::string& endpoint,
                                      LinkOptions options = {});

  const std::string& endpoint() const { return endpoint_; }  // resolved (real port)
  Channel& channel() { return channel_; }

  Status send(const std::string& agent, const messages::Envelope& env,
              zmq::message_t* raw = nullptr) {
    return channel_.send(agent, env, raw);
  }
  Result<std::uint64_t> request(const std::string& agent, messages::Header h, messages::Body b,
                                std::chrono::milliseconds timeout, ReplyHandler on_reply) {
    return channel_.request(agent, std::move(h), std::move(b), timeout, std::move(on_reply));
  }
  Result<Incoming> call(const std::string& agent, messages::Header h, messages::Body b,
                        std::chrono::milliseconds timeout) {
    return channel_.call(agent, std::move(h), std::move(b), timeout);
  }
  Status reply(const Incoming& req, messages::Body b) { return channel_.reply(req, std::move(b)); }
  Result<std::size_t> dispatch(const MessageHandler& h) { return channel_.dispatch(h); }
  Result<std::size_t> poll_once(std::chrono::milliseconds max_wait, const MessageHandler& h) {
    return channel_.poll_once(max_wait, h);
  }

  // Agents heard from, with the time of their last message.
  std::vector<AgentSeen> agents() const;
  // Agents not heard from for longer than max_silence.
  std::vector<std::string> silent_agents(Clock::duration max_silence,
                                         Clock::time_point now = Clock::now()) const;
  void forget(const std::string& agent) { seen_->erase(agent); }

 private:
  ManagerEndpoint(Channel c, std::string ep,
                  std::shared_ptr<std::map<std::string, Clock::time_point>> seen)
      : channel_(std::move(c)), endpoint_(std::move(ep)), seen_(std::move(seen)) {}
  Channel channel_;
  std::string endpoint_;
  // Shared with the channel's receive hook, so moving the endpoint keeps the hook valid.
  std::shared_ptr<std::map<std::string, Clock::time_point>> seen_;
};

}  // namespace cocos::bus
