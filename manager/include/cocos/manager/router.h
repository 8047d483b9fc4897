// The manager's end of the bus: a bound ZeroMQ ROUTER speaking the wire protocol (messages/).
// Agents connect DEALERs whose routing id is their agent id. This is a thin adapter: it turns
// frames into decoded envelopes and back, answers undecodable requests with `error` as the
// protocol requires, and never throws (zmq errors become "io_error").
//
// Thread-compatible: one thread owns a Router.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/messages/codec.h"

namespace cocos::manager {

// One message received from an agent.
struct Incoming {
  std::string agent_id;  // the DEALER's routing id
  messages::Envelope envelope;
  std::string body_frame;  // frame 2 exactly as received (evidence is saved as these bytes)
  Bytes raw;               // frame 3 (upload/result chunks), empty otherwise
};

class Router {
 public:
  // Binds a ROUTER at `endpoint` (e.g. tcp://127.0.0.1:5555, tcp://127.0.0.1:*, ipc://path).
  // Errors: "io_error" naming the endpoint.
  static Result<Router> bind(const std::string& endpoint);

  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  ~Router();

  // The endpoint actually bound (the port chosen for "*").
  const std::string& endpoint() const;

  // Sends one message to `agent_id`. Errors: "unreachable" when that agent is not connected,
  // "io_error" otherwise.
  Status send(const std::string& agent_id, const messages::Header& header,
              const messages::Body& body, std::span<const std::uint8_t> raw = {});

  // Waits up to `timeout` for one well-formed message. nullopt when nothing arrived in time.
  // Malformed messages are answered (when the protocol says so) and skipped.
  Result<std::optional<Incoming>> receive(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit Router(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::manager
