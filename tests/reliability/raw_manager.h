// A manager for hostile-input tests that owns its ROUTER socket byte for byte: it can send any
// frames at all (garbage, truncated, wrong types, wrong frame counts) and still see the exact
// reply each one got, which the bus library's Channel cannot do (it drops unmatched replies).
// It answers the agent's hello/event/ping like a manager so the agent keeps a healthy session,
// and offers blocking helpers (call, upload) bounded by a deadline (functional, not asserted).
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "cocos/messages/codec.h"

namespace cocos::reliability {

namespace m = cocos::messages;
inline constexpr auto kDeadline = std::chrono::seconds(40);

// A reply as received: decoded when it decoded, with its raw header id either way.
struct RawReply {
  std::optional<m::Envelope> env;  // nullopt: the reply itself did not decode
  std::string error_code() const {
    if (!env) return "undecodable-reply";
    if (const auto* e = std::get_if<m::ErrorBody>(&env->body)) return e->code;
    return "";
  }
};

class RawManager {
 public:
  RawManager() : sock_(ctx_, zmq::socket_type::router) {
    sock_.set(zmq::sockopt::router_mandatory, 1);
    sock_.set(zmq::sockopt::router_handover, 1);
    sock_.set(zmq::sockopt::linger, 0);
    sock_.bind("tcp://127.0.0.1:*");
    endpoint_ = sock_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& endpoint() const { return endpoint_; }

  std::string agent_id = "hostile-agent";
  std::uint64_t acked = 0;
  int hellos = 0;
  std::map<std::uint64_t, std::uint64_t> credits;  // upload id -> credits granted so far
  std::vector<m::Event> events;

  // Polls once for up to `wait` and handles everything readable.
  void step(std::chrono::milliseconds wait = std::chrono::milliseconds(50)) {
    zmq::pollitem_t item{sock_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, wait);
    for (;;) {
      std::vector<zmq::message_t> frames;
      auto got = zmq::recv_multipart(sock_, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!got) return;
      handle(frames);
    }
  }

  template <class P>
  bool wait_for(P pred) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      step();
    }
    return true;
  }

  // Sends frames (routing id added) exactly as given. When the pipe to the agent is full
  // (its high-water mark), keeps reading the agent's messages until it can send: never blocks
  // while the agent may be waiting for us to read, so the two cannot deadlock.
  bool send_frames(const std::vector<std::string>& frames) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    try {
      while (!sock_.send(zmq::buffer(agent_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        if (std::chrono::steady_clock::now() > end) return false;
        step(std::chrono::milliseconds(1));
      }
      for (std::size_t i = 0; i < frames.size(); ++i) {
        sock_.send(zmq::buffer(frames[i]),
                   i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
      return true;
    } catch (const zmq::error_t&) {
      return false;
    }
  }
  bool has_reply(std::uint64_t id) const { return replies_.count(id) > 0; }
  const RawReply& reply_of(std::uint64_t id) { return replies_[id]; }
  std::uint64_t replies_for(std::uint64_t id) const {
    auto it = reply_count_.find(id);
    return it == reply_count_.end() ? 0 : it->second;
  }

  // Sends frames and waits for the reply carrying `expect_id` (nullopt after the deadline).
  std::optional<RawReply> call_frames(const std::vector<std::string>& frames,
                                      std::uint64_t expect_id) {
    replies_.erase(expect_id);
    if (!send_frames(frames)) return std::nullopt;
    if (!wait_for([&] { return replies_.count(expect_id) > 0; })) return std::nullopt;
    auto r = std::move(replies_[expect_id]);
    replies_.erase(expect_id);
    return r;
  }

  std::uint64_t next_id() { return next_id_++; }

  // A well-formed request; returns its reply.
  std::optional<RawReply> call(const m::Body& body, const std::string& cid = "") {
    const auto id = next_id();
    auto f = m::encode_message(m::make_header(m::type_of(body), id, cid), body);
    return call_frames({f.header, f.body}, id);
  }
  static std::string code(const std::optional<RawReply>& r) {
    return r ? r->error_code() : "no-reply";
  }

  std::optional<m::State> state() {
    auto r = call(m::StateGet{});
    if (!r || !r->env) return std::nullopt;
    if (const auto* s = std::get_if<m::State>(&r->env->body)) return *s;
    return std::nullopt;
  }

  // Streams content as `begin` announced, honouring credits; returns upload.end's reply code
  // ("" = ok). `upload_id` receives the id the agent gave.
  std::string upload(const m::UploadBegin& begin, const std::string& content,
                     const std::string& cid, bool end = true, std::uint64_t* upload_id = nullptr) {
    auto r = call(begin, cid);
    if (!r || !r->env) return code(r);
    const auto* ready = std::get_if<m::UploadReady>(&r->env->body);
    if (!ready) return code(r);
    if (upload_id) *upload_id = ready->upload_id;
    last_ready = *ready;
    sent_chunks = 0;
    return stream(*ready, content, ready->offset, cid, end);
  }

  // Sends content[from..] of an upload opened by `ready` (after `sent_chunks` chunks already
  // sent), honouring credits, then upload.end when `end`.
  std::string stream(const m::UploadReady& ready, const std::string& content, std::uint64_t from,
                     const std::string& cid, bool end = true) {
    std::uint64_t off = from;
    const auto end_time = std::chrono::steady_clock::now() + kDeadline;
    while (off < content.size()) {
      if (std::chrono::steady_clock::now() > end_time) return "timeout";
      if (sent_chunks >= ready.credits + credits[ready.upload_id]) {
        step();
        continue;
      }
      const std::size_t n = std::min<std::size_t>(ready.chunk_size, content.size() - off);
      auto f = m::encode_message(m::make_header(m::MessageType::kUploadChunk, 0, cid),
                                 m::UploadChunk{ready.upload_id, off});
      if (!send_frames({f.header, f.body, content.substr(off, n)})) return "send";
      off += n;
      ++sent_chunks;
    }
    if (!end) return "";
    return code(call(m::UploadEnd{ready.upload_id}, cid));
  }
  m::UploadReady last_ready;
  std::uint64_t sent_chunks = 0;

 private:
  void handle(std::vector<zmq::message_t>& frames) {
    if (frames.size() < 2) return;
    std::vector<m::ByteView> views;
    for (std::size_t i = 1; i < frames.size(); ++i) {
      views.emplace_back(static_cast<const std::uint8_t*>(frames[i].data()), frames[i].size());
    }
    m::Header h;
    bool header_ok = false;
    auto env = m::decode_message(views, {}, &h, &header_ok);
    if (!env) {
      // A reply that does not decode is still recorded under the id it carries, if any.
      if (header_ok && m::info(h.type).cls == m::MessageClass::kReply) replies_[h.id] = RawReply{};
      return;
    }
    const auto& info = m::info(env->header.type);
    if (info.cls == m::MessageClass::kReply) {
      ++reply_count_[env->header.id];
      replies_[env->header.id] = RawReply{std::move(*env)};
      return;
    }
    using T = m::MessageType;
    switch (env->header.type) {
      case T::kHello:
        ++hellos;
        reply(env->header, m::HelloOk{acked});
        return;
      case T::kEvent: {
        const auto& e = std::get<m::Event>(env->body);
        if (e.seq == acked + 1) {
          events.push_back(e);
          acked = e.seq;
        }
        reply(env->header, m::EventAck{acked});
        return;
      }
      case T::kPing:
        reply(env->header, m::Pong{});
        return;
      case T::kUploadCredit: {
        const auto& c = std::get<m::UploadCredit>(env->body);
        credits[c.upload_id] += c.credits;
        return;
      }
      default:
        return;
    }
  }
  void reply(const m::Header& req, const m::Body& body) {
    auto f = m::encode_message(m::make_header(m::type_of(body), req.id, req.cid), body);
    send_frames({f.header, f.body});
  }

  zmq::context_t ctx_{1};
  zmq::socket_t sock_;
  std::string endpoint_;
  std::uint64_t next_id_ = 1000;
  std::map<std::uint64_t, RawReply> replies_;
  std::map<std::uint64_t, std::uint64_t> reply_count_;
};

}  // namespace cocos::reliability
