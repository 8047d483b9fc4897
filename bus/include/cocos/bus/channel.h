// Channel: the machinery shared by AgentLink (DEALER) and ManagerEndpoint (ROUTER): framing,
// strict decoding with automatic `error` answers, request ids, request/reply matching with
// timeouts, and a non-blocking dispatch step for an event loop.
//
// Threading rule: a Channel (and the zmq socket inside) belongs to ONE thread, the one that
// created it or that it was moved to before use. Nothing here locks. To watch other fds too,
// put socket() in a zmq::pollitem_t next to your fds, zmq::poll with poll_timeout(), then call
// dispatch() and expire(). Handlers run inside dispatch()/expire() on that thread and may send.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "cocos/bus/options.h"
#include "cocos/common/chunk.h"
#include "cocos/common/result.h"
#include "cocos/messages/codec.h"

namespace cocos::bus {

using Clock = std::chrono::steady_clock;

// One received message. raw holds frame 3 (upload.chunk / result.chunk) without copying.
struct Incoming {
  std::string peer;  // sender's routing id on a ROUTER; "" on a DEALER
  messages::Envelope msg;
  zmq::message_t raw;

  messages::ByteView raw_bytes() const {
    return {static_cast<const std::uint8_t*>(raw.data()), raw.size()};
  }
  // Moves frame 3 out as a Chunk (still no copy: the chunk owns the received message).
  Chunk take_raw() {
    return Chunk::adopt(std::move(raw), [](const zmq::message_t& m) {
      return std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(m.data()), m.size());
    });
  }
  messages::MessageType type() const { return msg.header.type; }
  template <class T>
  const T* body() const {
    return std::get_if<T>(&msg.body);
  }
};

// Called exactly once per request accepted by request(): with the reply (which may be an
// `error` message: check type()), or with Error "timeout" from expire() when none came in time.
// Not called when request() itself fails, nor for requests still pending when the Channel is
// destroyed (the handler is then destroyed uncalled).
using ReplyHandler = std::function<void(Result<Incoming>)>;
// Receives requests and notices (never replies: those go to their ReplyHandler).
using MessageHandler = std::function<void(Incoming&&)>;

struct Counters {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t decode_errors = 0;  // malformed / oversize input (answered with `error`)
  std::uint64_t late_replies = 0;   // replies with no pending request (timed out or unknown id)
  std::uint64_t timeouts = 0;       // requests that expired without a reply
};

class Channel {
 public:
  Channel(zmq::socket_t socket, bool router, LinkOptions options);
  ~Channel();
  Channel(Channel&&) noexcept;
  Channel& operator=(Channel&&) noexcept;

  // Sends a message as is (header id and cid untouched). raw, when given, becomes frame 3 and is
  // moved out (zero copy). Errors: "unreachable" (ROUTER: no such peer), "timeout" (queue full
  // for send_timeout_ms), "io_error".
  Status send(std::string_view peer, const messages::Envelope& env, zmq::message_t* raw = nullptr);
  // Sends a request with a fresh id (returned; header.id is overwritten and header.type set from
  // the body); `on_reply` then runs exactly once, from dispatch()/poll_once()/call()/expire().
  Result<std::uint64_t> request(std::string_view peer, messages::Header header, messages::Body body,
                                std::chrono::milliseconds timeout, ReplyHandler on_reply);
  // Answers `req` with `body` (same id and cid).
  Status reply(const Incoming& req, messages::Body body);
  Status reply_error(const Incoming& req, std::string_view code, std::string message,
                     std::optional<std::string> state = std::nullopt);

  // Receives and handles everything readable now, without blocking. Returns how many messages
  // were taken off the socket (including answered malformed ones).
  Result<std::size_t> dispatch(const MessageHandler& on_message);
  // Fails requests whose deadline has passed with Error "timeout". Returns how many.
  std::size_t expire(Clock::time_point now = Clock::now());
  // How long a poll may sleep before the next request deadline (nullopt: no pending request).
  std::optional<std::chrono::milliseconds> poll_timeout(Clock::time_point now = Clock::now()) const;
  // Convenience loop step: polls this socket alone for at most `max_wait` (shortened to the next
  // deadline), then dispatch() and expire().
  Result<std::size_t> poll_once(std::chrono::milliseconds max_wait,
                                const MessageHandler& on_message);

  // Blocking request for tools and tests: waits for the reply (or "timeout"). Requests and
  // notices that arrive meanwhile are kept and handed to the next dispatch().
  Result<Incoming> call(std::string_view peer, messages::Header header, messages::Body body,
                        std::chrono::milliseconds timeout);

  std::uint64_t next_id() { return next_id_++; }
  std::size_t pending_requests() const { return pending_.size(); }
  zmq::socket_ref socket() { return socket_; }
  const Counters& counters() const { return counters_; }
  const LinkOptions& options() const { return options_; }
  // Called with the peer of every message received (the manager uses it for liveness).
  void set_on_receive(std::function<void(const std::string& peer)> f) {
    on_receive_ = std::move(f);
  }

 private:
  struct Pending {
    std::string peer;
    Clock::time_point deadline;
    ReplyHandler handler;
  };
  // Takes one message off the socket: false when none was ready; true when one was consumed,
  // with `out` set if it decoded (malformed ones are answered and counted here).
  Result<bool> receive_one(std::optional<Incoming>& out);
  void handle(Incoming&& in, const MessageHandler& on_message);

  zmq::socket_t socket_;
  bool router_ = false;
  LinkOptions options_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;
  std::deque<Incoming> inbox_;  // held by call() for the next dispatch()
  Counters counters_;
  std::function<void(const std::string&)> on_receive_;
};

// Applies LinkOptions common to every socket (linger, hwm, maxmsgsize, send timeout, heartbeats,
// reconnect, and CURVE: server keys if o.curve_server is set, client keys if o.curve_client is).
void apply_options(zmq::socket_t& s, const LinkOptions& o);

// Binds and returns the resolved endpoint (ZMQ_LAST_ENDPOINT), so "tcp://127.0.0.1:*" yields the
// ephemeral port actually chosen. Error "io_error" (e.g. address in use).
Result<std::string> bind_endpoint(zmq::socket_t& s, const std::string& endpoint);

}  // namespace cocos::bus
