// Integration-test harness: starts the real cocos-agent program (a child process with its own
// work dir and log file) and plays the manager with the bus library's ManagerEndpoint on an
// ephemeral port. The fake manager answers hello/event/ping like the real one, records events
// and logs, and offers blocking helpers (call, upload, fetch_result) bounded by a deadline.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "cocos/bus/curve.h"
#include "cocos/bus/manager_endpoint.h"
#include "cocos/bus/pubsub.h"
#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
#include "cocos/common/statements.h"
#include "cocos/messages/codec.h"
#include "test_util.h"

extern char** environ;

namespace cocos::agent::testing {

inline constexpr auto kWait = std::chrono::seconds(40);

// The cocos-agent child process. Killed (SIGKILL) and reaped when dropped.
class AgentProcess {
 public:
  AgentProcess() = default;
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;
  ~AgentProcess() { kill(SIGKILL); }

  bool start(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<std::string> argv = {COCOS_AGENT_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0;
  }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

struct Party {
  PrivateKey key;
  std::string pem;
  static Party make(KeyType t = KeyType::kEd25519) {
    auto k = PrivateKey::generate(t);
    return Party{*k, k->public_key().to_pem()};
  }
  Bytes sign(const std::string& statement) const { return *key.sign(as_bytes(statement)); }
};

// A manager that answers the agent's requests and records what it sends.
class FakeManager {
 public:
  explicit FakeManager(const std::string& endpoint = "tcp://127.0.0.1:*",
                       bus::LinkOptions options = {},
                       std::optional<std::string> allowed_agent_key = std::nullopt)
      : ctx_(1) {
    if (allowed_agent_key) {
      // CURVE: only this agent key may connect (ZAP must run before the ROUTER binds).
      auto zap = bus::ZapAuthenticator::start(ctx_, {*allowed_agent_key}, false);
      if (!zap) return;
      zap_ = std::move(*zap);
    }
    auto ep = bus::ManagerEndpoint::bind(ctx_, endpoint, options);
    if (ep) ep_.emplace(std::move(*ep));
  }
  bool ok() const { return ep_.has_value(); }

  // A manager restart that lost everything: same endpoint, empty store (acked 0).
  bool restart() {
    const std::string e = ep_->endpoint();
    ep_.reset();
    events.clear();
    hellos.clear();
    logs.clear();
    acked = 0;
    // libzmq closes the old listener asynchronously: retry the bind until the port is free.
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto ep = bus::ManagerEndpoint::bind(ctx_, e);
      if (ep) {
        ep_.emplace(std::move(*ep));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  const std::string& endpoint() const { return ep_->endpoint(); }
  bus::ManagerEndpoint& ep() { return *ep_; }

  std::string agent_id = "test-agent";
  std::vector<messages::Event> events;  // unique by seq, in arrival order
  std::vector<messages::Log> logs;
  std::vector<messages::Hello> hellos;
  std::uint64_t acked = 0;
  std::map<std::uint64_t, std::uint64_t> credits;  // upload id -> credits granted so far
  std::map<std::uint64_t, std::uint64_t> acked_bytes;
  std::string result;  // result.chunk payloads
  std::optional<messages::ResultEnd> result_end;
  std::uint64_t result_chunks = 0;

  // One poll step: handles everything readable within `wait`.
  void step(std::chrono::milliseconds wait = std::chrono::milliseconds(100)) {
    (void)ep_->poll_once(wait, [this](bus::Incoming&& in) { handle(std::move(in)); });
  }

  // Polls until pred() holds; false after kWait.
  bool wait_for(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      step();
    }
    return true;
  }

  // A request and its reply (an `error` reply is returned as a value too: check type()).
  Result<bus::Incoming> call(messages::Body body, std::string cid = "") {
    std::optional<Result<bus::Incoming>> got;
    auto id = ep_->request(agent_id, messages::make_header(messages::type_of(body), 0, cid),
                           std::move(body), kWait,
                           [&got](Result<bus::Incoming> r) { got.emplace(std::move(r)); });
    if (!id) return id.take_error();
    if (!wait_for([&] { return got.has_value(); })) return make_error("timeout", "no reply");
    return std::move(*got);
  }

  // The error code of a reply ("" when it was not an error).
  static std::string error_code(const Result<bus::Incoming>& r) {
    if (!r) return "transport:" + r.error().code;
    const auto* e = r->body<messages::ErrorBody>();
    return e ? e->code : "";
  }

  bool has_event(const std::string& state, const std::string& status) const {
    for (const auto& e : events) {
      if (e.state == state && e.status == status) return true;
    }
    return false;
  }
  const messages::Event* find_event(const std::string& state, const std::string& status) const {
    for (const auto& e : events) {
      if (e.state == state && e.status == status) return &e;
    }
    return nullptr;
  }
  bool wait_event(const std::string& state, const std::string& status) {
    return wait_for([&] { return has_event(state, status); });
  }

  // Streams `content` as `begin` announced it, from the offset the agent asks for; stops early
  // (without upload.end) once `stop_after` bytes are acknowledged, if given.
  Result<bus::Incoming> upload(const messages::UploadBegin& begin, const std::string& content,
                               const std::string& cid,
                               std::optional<std::uint64_t> stop_after = std::nullopt,
                               std::uint64_t* resumed_from = nullptr) {
    auto r = call(begin, cid);
    if (!r || r->type() != messages::MessageType::kUploadReady) return r;
    const auto ready = *r->body<messages::UploadReady>();
    if (resumed_from) *resumed_from = ready.offset;
    std::uint64_t off = ready.offset;
    std::uint64_t allowed = ready.credits;
    std::uint64_t sent = 0;
    while (off < content.size()) {
      if (stop_after && acked_bytes[ready.upload_id] >= *stop_after) return r;
      if (sent >= allowed + credits[ready.upload_id]) {
        step();
        continue;
      }
      std::size_t n = std::min<std::size_t>(ready.chunk_size, content.size() - off);
      zmq::message_t raw(content.data() + off, n);
      messages::UploadChunk c;
      c.upload_id = ready.upload_id;
      c.offset = off;
      messages::Envelope env{
          messages::make_header(messages::MessageType::kUploadChunk, ep_->channel().next_id(), cid),
          c};
      if (auto st = ep_->send(agent_id, env, &raw); !st) return st.take_error();
      off += n;
      ++sent;
    }
    if (stop_after) {
      wait_for([&] { return acked_bytes[ready.upload_id] >= *stop_after; });
      return r;
    }
    messages::UploadEnd end;
    end.upload_id = ready.upload_id;
    return call(end, cid);
  }

  // challenge -> result.get -> credits -> chunks -> result.end -> result.ack. Returns the
  // error code of the first failing step, or "" with the zip bytes in `result`.
  std::string fetch_result(const Party& consumer, const std::string& cid,
                           const std::string& sign_cid = "") {
    auto ch = call(messages::ResultChallenge{}, cid);
    if (error_code(ch) != "") return error_code(ch);
    const Bytes challenge = ch->body<messages::Challenge>()->challenge;
    messages::ResultGet get;
    get.consumer_key = consumer.pem;
    get.signature =
        consumer.sign(result_challenge_statement(sign_cid.empty() ? cid : sign_cid, challenge));
    auto ready = call(get, cid);
    if (error_code(ready) != "") return error_code(ready);
    const auto rr = *ready->body<messages::ResultReady>();
    result.clear();
    result_end.reset();
    result_chunks = 0;
    std::uint64_t granted = 0;
    while (!result_end) {
      if (granted <= result_chunks) {
        messages::ResultCredit c;
        c.stream_id = rr.stream_id;
        c.credits = 4;
        messages::Envelope env{messages::make_header(messages::MessageType::kResultCredit,
                                                     ep_->channel().next_id(), cid),
                               c};
        if (!ep_->send(agent_id, env)) return "send";
        granted += 4;
      }
      if (!wait_for([&] { return result_end.has_value() || result_chunks >= granted; })) {
        return "timeout";
      }
    }
    if (result.size() != rr.size || digest(HashAlg::kSha3_256, result) != rr.sha3_256) {
      return "corrupt";
    }
    messages::ResultAck ack;
    ack.stream_id = rr.stream_id;
    return error_code(call(ack, cid));
  }

 private:
  void handle(bus::Incoming&& in) {
    using T = messages::MessageType;
    switch (in.type()) {
      case T::kHello:
        hellos.push_back(*in.body<messages::Hello>());
        {
          messages::HelloOk ok;
          ok.acked_seq = acked;
          (void)ep_->reply(in, ok);
        }
        return;
      case T::kEvent: {
        const auto& e = *in.body<messages::Event>();
        if (e.seq == acked + 1) {
          events.push_back(e);
          acked = e.seq;
        }
        messages::EventAck ack;
        ack.seq = acked;  // cumulative: everything up to here is stored
        (void)ep_->reply(in, ack);
        return;
      }
      case T::kPing:
        (void)ep_->reply(in, messages::Pong{});
        return;
      case T::kLog:
        logs.push_back(*in.body<messages::Log>());
        return;
      case T::kUploadCredit: {
        const auto& c = *in.body<messages::UploadCredit>();
        credits[c.upload_id] += c.credits;
        acked_bytes[c.upload_id] = c.acked;
        return;
      }
      case T::kResultChunk: {
        const auto raw = in.raw_bytes();
        result.append(reinterpret_cast<const char*>(raw.data()), raw.size());
        ++result_chunks;
        return;
      }
      case T::kResultEnd:
        result_end = *in.body<messages::ResultEnd>();
        return;
      default:
        return;
    }
  }

  zmq::context_t ctx_;
  std::unique_ptr<bus::ZapAuthenticator> zap_;
  std::optional<bus::ManagerEndpoint> ep_;
};

}  // namespace cocos::agent::testing
