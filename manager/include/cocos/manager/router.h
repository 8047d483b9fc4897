// The manager's end of the bus: the bus library's ManagerEndpoint (a bound ROUTER; agents
// connect DEALERs whose routing id is their agent id), wrapped for the manager's single-threaded
// session: replies to the manager's requests and everything agents send arrive through one
// receive() call, in order. With CURVE configured the ROUTER is a CURVE server and a ZAP
// handler admits only the listed agent keys.
//
// Thread-compatible: one thread owns a Router. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cocos/common/chunk.h"
#include "cocos/common/encoding.h"
#include "cocos/common/result.h"
#include "cocos/messages/codec.h"

namespace cocos::manager {

// One message received from an agent (a request, a notice, or a reply to our request).
struct Incoming {
  std::string agent_id;  // the DEALER's routing id
  messages::Envelope envelope;
  Chunk raw;  // frame 3 (upload/result chunks), empty otherwise; owns the received frame, no copy
};

struct RouterOptions {
  // Prefix of the manager's CURVE key pair (<prefix>.pub, <prefix>.key, Z85); "" = no CURVE.
  std::string curve_key;
  // Files holding the Z85 public keys of the agents admitted (CURVE only; required with it).
  std::vector<std::string> curve_agent_keys;
  // SCHED_FIFO priority of the bus I/O thread where the process may use it (0: normal policy;
  // bus/io_thread.h).
  int rt_priority = 0;
};

class Router {
 public:
  // Binds at `endpoint` (tcp://127.0.0.1:5555, tcp://127.0.0.1:*, ipc://path). Errors: "io_error"
  // naming the endpoint; "bad_key" for unreadable CURVE keys; "usage" for CURVE without agents.
  static Result<Router> bind(const std::string& endpoint, const RouterOptions& options = {});

  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  ~Router();

  // The endpoint actually bound (the port chosen for "*").
  const std::string& endpoint() const;
  bool curve() const;

  // Sends a request with a fresh id (returned); its reply comes back through receive().
  Result<std::uint64_t> request(const std::string& agent_id, const messages::Body& body,
                                const std::string& cid);
  // Sends a notice or a reply as is. Errors: "unreachable" (agent not connected), "timeout"
  // (queue full), "io_error".
  Status send(const std::string& agent_id, const messages::Header& header,
              const messages::Body& body, std::span<const std::uint8_t> raw = {});
  // Sends a message whose frame 3 is `size` bytes that `fill` writes straight into the outgoing
  // frame (an upload chunk read from its file goes to the socket without another copy). Returns
  // what `fill` returned, once sent; an error of `fill` sends nothing.
  using FrameFill = std::function<Result<std::size_t>(std::span<std::uint8_t> frame)>;
  Result<std::size_t> send_filled(const std::string& agent_id, const messages::Header& header,
                                  const messages::Body& body, std::size_t size,
                                  const FrameFill& fill);

  // Waits up to `timeout` for one message. nullopt when nothing arrived in time. Malformed input
  // is answered by the bus as the protocol requires and never surfaces here.
  Result<std::optional<Incoming>> receive(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit Router(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cocos::manager
