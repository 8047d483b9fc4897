// Channel: framing, strict decoding, request/reply matching and the dispatch step.
#include "cocos/bus/channel.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace cocos::bus {

using messages::Envelope;
using messages::MessageClass;

namespace {

Error zmq_failure(const zmq::error_t& e, std::string_view what) {
  if (e.num() == EHOSTUNREACH)
    return make_error("unreachable", std::string(what) + ": no such peer");
  if (e.num() == EAGAIN) return make_error("timeout", std::string(what) + ": send queue full");
  if (e.num() == ETERM) return make_error("closed", std::string(what) + ": context terminated");
  return make_error("io_error", std::string(what) + ": " + e.what());
}

}  // namespace

void apply_options(zmq::socket_t& s, const LinkOptions& o) {
  s.set(zmq::sockopt::linger, o.linger_ms);
  s.set(zmq::sockopt::sndhwm, o.sndhwm);
  s.set(zmq::sockopt::rcvhwm, o.rcvhwm);
  s.set(zmq::sockopt::maxmsgsize, o.max_frame_bytes);
  s.set(zmq::sockopt::sndtimeo, o.send_timeout_ms);
  s.set(zmq::sockopt::reconnect_ivl, o.reconnect_ivl_ms);
  s.set(zmq::sockopt::reconnect_ivl_max, o.reconnect_ivl_max_ms);
  s.set(zmq::sockopt::heartbeat_ivl, o.heartbeat_ivl_ms);
  s.set(zmq::sockopt::heartbeat_timeout, o.heartbeat_timeout_ms);
  s.set(zmq::sockopt::heartbeat_ttl, o.heartbeat_ttl_ms);
  if (o.curve_server) {
    s.set(zmq::sockopt::curve_server, true);
    s.set(zmq::sockopt::curve_secretkey, o.curve_server->secret_z85);
    s.set(zmq::sockopt::curve_publickey, o.curve_server->public_z85);
  }
  if (o.curve_client) {
    s.set(zmq::sockopt::curve_serverkey, o.curve_client->server_public_z85);
    s.set(zmq::sockopt::curve_publickey, o.curve_client->own.public_z85);
    s.set(zmq::sockopt::curve_secretkey, o.curve_client->own.secret_z85);
  }
}

Result<std::string> bind_endpoint(zmq::socket_t& s, const std::string& endpoint) {
  try {
    s.bind(endpoint);
    return s.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error("io_error", "bind '" + endpoint + "': " + e.what());
  }
}

Channel::Channel(zmq::socket_t socket, bool router, LinkOptions options)
    : socket_(std::move(socket)), router_(router), options_(std::move(options)) {}

// Handlers of requests still pending are destroyed without being called: they typically refer
// to objects of the owner that may already be gone when the channel is.
Channel::~Channel() = default;

Channel::Channel(Channel&&) noexcept = default;
Channel& Channel::operator=(Channel&&) noexcept = default;

Status Channel::send(std::string_view peer, const Envelope& env, zmq::message_t* raw) {
  if (!socket_) return make_error("closed", "send on a closed channel");
  auto f = messages::encode_message(env);
  const bool has_raw = raw != nullptr;
  try {
    if (router_) {
      if (!socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore)) {
        return make_error("timeout", "send: queue full");
      }
    }
    if (!socket_.send(zmq::buffer(f.header), zmq::send_flags::sndmore)) {
      return make_error("timeout", "send: queue full");
    }
    // Once the first frame is queued, libzmq accepts the rest of the multipart message.
    (void)socket_.send(zmq::buffer(f.body),
                       has_raw ? zmq::send_flags::sndmore : zmq::send_flags::none);
    if (has_raw) (void)socket_.send(*raw, zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    return zmq_failure(e, "send " + std::string(messages::wire_name(env.header.type)));
  }
  ++counters_.sent;
  return ok_status();
}

Result<std::uint64_t> Channel::request(std::string_view peer, messages::Header header,
                                       messages::Body body, std::chrono::milliseconds timeout,
                                       ReplyHandler on_reply) {
  header.id = next_id();
  header.type = messages::type_of(body);
  Envelope env{std::move(header), std::move(body)};
  if (auto s = send(peer, env); !s) return s.take_error();
  pending_[env.header.id] = Pending{std::string(peer), Clock::now() + timeout, std::move(on_reply)};
  return env.header.id;
}

Status Channel::reply(const Incoming& req, messages::Body body) {
  auto t = messages::type_of(body);
  return send(req.peer, Envelope{messages::make_header(t, req.msg.header.id, req.msg.header.cid),
                                 std::move(body)});
}

Status Channel::reply_error(const Incoming& req, std::string_view code, std::string message,
                            std::optional<std::string> state) {
  return send(req.peer, messages::make_error_reply(req.msg.header, code, std::move(message),
                                                   std::move(state)));
}

Result<bool> Channel::receive_one(std::optional<Incoming>& out) {
  out.reset();
  // Frames are taken one by one so that a peer sending hundreds of parts cannot make us hold
  // them all: beyond the most a valid message has, the rest are read and dropped.
  const std::size_t max_frames = router_ ? 4 : 3;
  std::vector<zmq::message_t> frames;
  bool excess = false;
  try {
    zmq::message_t part;
    if (!socket_.recv(part, zmq::recv_flags::dontwait)) return false;
    bool more = part.more();
    frames.push_back(std::move(part));
    while (more) {
      zmq::message_t next;
      (void)socket_.recv(next, zmq::recv_flags::none);  // parts of one message arrive together
      more = next.more();
      if (frames.size() < max_frames) {
        frames.push_back(std::move(next));
      } else {
        excess = true;
      }
    }
  } catch (const zmq::error_t& e) {
    return zmq_failure(e, "receive");
  }
  ++counters_.received;
  Incoming in;
  std::size_t first = 0;
  if (router_) {
    in.peer = frames[0].to_string();
    first = 1;
  }
  if (on_receive_ && !in.peer.empty()) on_receive_(in.peer);
  std::vector<messages::ByteView> views;
  for (std::size_t i = first; i < frames.size(); ++i) {
    views.emplace_back(static_cast<const std::uint8_t*>(frames[i].data()), frames[i].size());
  }
  messages::Header h;
  bool header_ok = false;
  Result<Envelope> env = excess ? Result<Envelope>(make_error("bad_message", "too many frames"))
                                : messages::decode_message(views, options_.limits, &h, &header_ok);
  if (excess && !views.empty()) {
    auto hr = messages::decode_header(views[0], options_.limits);
    if (hr) {
      h = *hr;
      header_ok = true;
    }
  }
  if (!env) {
    ++counters_.decode_errors;
    spdlog::warn("bus: dropped malformed message from '{}': {}", in.peer, env.error().to_string());
    if (messages::should_answer_decode_failure(header_ok, h)) {
      auto reply = messages::make_decode_error_reply(header_ok, h, env.error());
      if (auto s = send(in.peer, reply); !s) {
        spdlog::warn("bus: could not answer malformed message: {}", s.error().to_string());
      }
    }
    return true;  // consumed; nothing to hand out
  }
  in.msg = std::move(*env);
  if (frames.size() == first + 3) in.raw = std::move(frames[first + 2]);
  out.emplace(std::move(in));
  return true;
}

void Channel::handle(Incoming&& in, const MessageHandler& on_message) {
  if (messages::info(in.type()).cls == MessageClass::kReply) {
    auto it = pending_.find(in.msg.header.id);
    if (it == pending_.end() || (router_ && it->second.peer != in.peer)) {
      ++counters_.late_replies;
      spdlog::debug("bus: dropped late/unknown reply {} id {}", messages::wire_name(in.type()),
                    in.msg.header.id);
      return;
    }
    ReplyHandler h = std::move(it->second.handler);
    pending_.erase(it);
    h(std::move(in));
    return;
  }
  if (on_message) on_message(std::move(in));
}

Result<std::size_t> Channel::dispatch(const MessageHandler& on_message) {
  std::size_t n = 0;
  while (!inbox_.empty()) {
    Incoming in = std::move(inbox_.front());
    inbox_.pop_front();
    handle(std::move(in), on_message);
    ++n;
  }
  // Bounded per call so one busy peer cannot starve the rest of an event loop.
  for (int i = 0; i < 1000; ++i) {
    std::optional<Incoming> in;
    auto got = receive_one(in);
    if (!got) return got.take_error();
    if (!*got) break;
    ++n;
    if (in) handle(std::move(*in), on_message);
  }
  return n;
}

std::size_t Channel::expire(Clock::time_point now) {
  std::size_t n = 0;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      ReplyHandler h = std::move(it->second.handler);
      std::uint64_t id = it->first;
      it = pending_.erase(it);
      ++counters_.timeouts;
      ++n;
      h(make_error("timeout", "no reply to request " + std::to_string(id)));
    } else {
      ++it;
    }
  }
  return n;
}

std::optional<std::chrono::milliseconds> Channel::poll_timeout(Clock::time_point now) const {
  std::optional<Clock::time_point> next;
  for (const auto& [id, p] : pending_) {
    if (!next || p.deadline < *next) next = p.deadline;
  }
  if (!next) return std::nullopt;
  if (*next <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(*next - now);
}

Result<std::size_t> Channel::poll_once(std::chrono::milliseconds max_wait,
                                       const MessageHandler& on_message) {
  auto wait = max_wait;
  if (auto t = poll_timeout(); t && *t < wait) wait = *t;
  if (inbox_.empty()) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      (void)zmq::poll(&item, 1, wait);
    } catch (const zmq::error_t& e) {
      return zmq_failure(e, "poll");
    }
  }
  auto n = dispatch(on_message);
  expire();
  return n;
}

Result<Incoming> Channel::call(std::string_view peer, messages::Header header, messages::Body body,
                               std::chrono::milliseconds timeout) {
  std::optional<Result<Incoming>> out;
  auto id = request(peer, std::move(header), std::move(body), timeout,
                    [&out](Result<Incoming> r) { out.emplace(std::move(r)); });
  if (!id) return id.take_error();
  const auto keep = [this](Incoming&& in) { inbox_.push_back(std::move(in)); };
  while (!out) {
    auto wait = poll_timeout().value_or(std::chrono::milliseconds(0));
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      (void)zmq::poll(&item, 1, wait);
    } catch (const zmq::error_t& e) {
      return zmq_failure(e, "poll");
    }
    // Only the socket is drained here; the inbox is left for the caller's next dispatch().
    for (int i = 0; i < 1000 && !out; ++i) {
      std::optional<Incoming> in;
      auto got = receive_one(in);
      if (!got) return got.take_error();
      if (!*got) break;
      if (in) handle(std::move(*in), keep);
    }
    expire();
  }
  return std::move(*out);
}

}  // namespace cocos::bus
