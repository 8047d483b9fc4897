// Best-effort event fan-out: the agent's PUB and a monitor's SUB. Each published message is
// [topic "cocos.<agent-id>.<type>", header, body] (type = wire name, e.g. "event", "log"), so
// subscribers filter by agent and by type with a prefix. PUB drops messages for slow or absent
// subscribers (sndhwm); reliable delivery is the `event` request over the DEALER (PROTOCOL.md).
// Threading: each object belongs to one thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "cocos/bus/options.h"
#include "cocos/common/result.h"
#include "cocos/messages/codec.h"

namespace cocos::bus {

std::string event_topic(std::string_view agent_id, messages::MessageType t);

class EventPublisher {
 public:
  // bind: the agent owns the endpoint (monitors connect); connect: the agent connects to a
  // manager-side XSUB/XPUB forwarder. endpoint() is the resolved one after bind.
  static Result<EventPublisher> bind(zmq::context_t& ctx, const std::string& endpoint,
                                     std::string agent_id, LinkOptions options = {});
  static Result<EventPublisher> connect(zmq::context_t& ctx, const std::string& endpoint,
                                        std::string agent_id, LinkOptions options = {});

  // Never blocks: a message nobody can take is dropped by libzmq.
  Status publish(const messages::Envelope& env);
  const std::string& endpoint() const { return endpoint_; }
  zmq::socket_ref socket() { return socket_; }

 private:
  static Result<EventPublisher> make(zmq::context_t& ctx, const std::string& endpoint,
                                     std::string agent_id, const LinkOptions& o, bool bind);
  EventPublisher(zmq::socket_t s, std::string agent_id, std::string ep)
      : socket_(std::move(s)), agent_id_(std::move(agent_id)), endpoint_(std::move(ep)) {}
  zmq::socket_t socket_;
  std::string agent_id_;
  std::string endpoint_;
};

struct Published {
  std::string topic;
  std::string agent_id;  // parsed from the topic
  messages::Envelope msg;
};

class EventSubscriber {
 public:
  // Subscribes to each prefix (default: everything under "cocos.").
  static Result<EventSubscriber> connect(zmq::context_t& ctx, const std::string& endpoint,
                                         LinkOptions options = {},
                                         std::vector<std::string> prefixes = {"cocos."});
  static Result<EventSubscriber> bind(zmq::context_t& ctx, const std::string& endpoint,
                                      LinkOptions options = {},
                                      std::vector<std::string> prefixes = {"cocos."});
  Status subscribe(const std::string& prefix);

  // Waits up to `timeout` for one well-formed message; nullopt when none came. Malformed ones
  // are skipped and counted in malformed().
  Result<std::optional<Published>> receive(std::chrono::milliseconds timeout);
  std::uint64_t malformed() const { return malformed_; }

  // Idle strategy: for `spin` after a message arrived, receive() polls without sleeping before it
  // blocks. Lifecycle events come in bursts, and on virtual CPUs that halt when idle every sleep
  // costs a wake-up (tens of microseconds); a monitor that spins through a burst keeps its CPU
  // awake for the next event and gives it up once the burst is over. 0 (the default) never spins.
  void set_spin(std::chrono::microseconds spin) { spin_ = spin; }
  const std::string& endpoint() const { return endpoint_; }
  zmq::socket_ref socket() { return socket_; }

 private:
  static Result<EventSubscriber> make(zmq::context_t& ctx, const std::string& endpoint,
                                      const LinkOptions& o,
                                      const std::vector<std::string>& prefixes, bool bind);
  // True as soon as a message is readable, polling without sleeping while within spin_ of the
  // last message (and before `deadline`); false when the spin time ran out first.
  bool spin_until_readable(std::chrono::steady_clock::time_point deadline);
  EventSubscriber(zmq::socket_t s, messages::Limits l, std::string ep)
      : socket_(std::move(s)), limits_(l), endpoint_(std::move(ep)) {}
  zmq::socket_t socket_;
  messages::Limits limits_;
  std::string endpoint_;
  std::uint64_t malformed_ = 0;
  std::chrono::microseconds spin_{0};
  std::chrono::steady_clock::time_point last_message_{};
};

}  // namespace cocos::bus
