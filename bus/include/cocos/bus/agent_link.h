// AgentLink: the agent's end of the bus, a DEALER whose routing id is the agent id, connected to
// the manager's ROUTER. libzmq reconnects by itself with backoff (reconnect_ivl doubling up to
// reconnect_ivl_max) and ZMTP heartbeats detect dead peers; messages queued while disconnected
// are sent after reconnection (up to sndhwm). Requests whose connection died get no reply and
// time out: the caller retries (all our requests are idempotent or resumable, see PROTOCOL.md).
// Threading: like Channel, one thread only.
#pragma once

#include <string>
#include <zmq.hpp>

#include "cocos/bus/channel.h"

namespace cocos::bus {

class AgentLink {
 public:
  // Errors: "io_error" (bad endpoint, socket creation), "bad_argument" (empty agent id).
  static Result<AgentLink> connect(zmq::context_t& ctx, const std::string& endpoint,
                                   const std::string& agent_id, LinkOptions options = {});

  const std::string& agent_id() const { return agent_id_; }
  const std::string& endpoint() const { return endpoint_; }
  Channel& channel() { return channel_; }

  Status send(const messages::Envelope& env, zmq::message_t* raw = nullptr) {
    return channel_.send("", env, raw);
  }
  Result<std::uint64_t> request(messages::Header h, messages::Body b,
                                std::chrono::milliseconds timeout, ReplyHandler on_reply) {
    return channel_.request("", std::move(h), std::move(b), timeout, std::move(on_reply));
  }
  Result<Incoming> call(messages::Header h, messages::Body b, std::chrono::milliseconds timeout) {
    return channel_.call("", std::move(h), std::move(b), timeout);
  }
  Status reply(const Incoming& req, messages::Body b) { return channel_.reply(req, std::move(b)); }
  Result<std::size_t> dispatch(const MessageHandler& h) { return channel_.dispatch(h); }
  Result<std::size_t> poll_once(std::chrono::milliseconds max_wait, const MessageHandler& h) {
    return channel_.poll_once(max_wait, h);
  }

 private:
  AgentLink(Channel c, std::string id, std::string ep)
      : channel_(std::move(c)), agent_id_(std::move(id)), endpoint_(std::move(ep)) {}
  Channel channel_;
  std::string agent_id_;
  std::string endpoint_;
};

}  // namespace cocos::bus
