// ManagerDriver: the bench's minimal manager (see manager_driver.h).
#include "manager_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cocos/bus/credit.h"
#include "cocos/common/hash.h"
#include "cocos/common/statements.h"

namespace cocos::bench {

namespace msg = messages;
using std::chrono::milliseconds;

namespace {

// Closes a file descriptor (RAII).
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

}  // namespace

Result<std::unique_ptr<ManagerDriver>> ManagerDriver::bind() {
  std::unique_ptr<ManagerDriver> d(new ManagerDriver());
  bus::LinkOptions lo;
  lo.heartbeat_timeout_ms = 30000;  // a loaded 2-core machine must not drop the link
  auto ep = bus::ManagerEndpoint::bind(d->ctx_, "tcp://127.0.0.1:*", lo);
  if (!ep) return ep.take_error();
  d->ep_ = std::make_unique<bus::ManagerEndpoint>(std::move(*ep));
  return d;
}

void ManagerDriver::serve(bus::Incoming&& in) {
  switch (in.type()) {
    case msg::MessageType::kHello:
      agent_ = in.peer;
      hello_ = true;
      (void)ep_->reply(in, msg::HelloOk{acked_seq_});
      break;
    case msg::MessageType::kPing:
      (void)ep_->reply(in, msg::Pong{});
      break;
    case msg::MessageType::kEvent:
      if (const auto* e = in.body<msg::Event>()) {
        acked_seq_ = std::max(acked_seq_, e->seq);
        last_state_ = e->state;
        if (auto it = e->details.find("reason"); it != e->details.end()) last_reason_ = it->second;
        (void)ep_->reply(in, msg::EventAck{e->seq});
      }
      break;
    case msg::MessageType::kUploadCredit:
    case msg::MessageType::kResultChunk:
    case msg::MessageType::kResultEnd:
      if (stream_) stream_(in);
      break;
    default:
      break;  // log lines and the rest: not needed here
  }
}

Status ManagerDriver::poll(milliseconds max_wait) {
  auto n = ep_->poll_once(max_wait, [this](bus::Incoming&& in) { serve(std::move(in)); });
  if (!n) return n.take_error();
  return ok_status();
}

Result<bus::Clock::time_point> ManagerDriver::wait_hello(milliseconds timeout) {
  const auto deadline = bus::Clock::now() + timeout;
  while (!hello_ && bus::Clock::now() < deadline) {
    if (auto s = poll(milliseconds(1)); !s) return s.take_error();
  }
  if (!hello_) return make_error("timeout", "no hello from the agent");
  return bus::Clock::now();
}

Status ManagerDriver::serve_for(milliseconds d) {
  const auto end = bus::Clock::now() + d;
  while (bus::Clock::now() < end) {
    if (auto s = poll(milliseconds(20)); !s) return s;
  }
  return ok_status();
}

Status ManagerDriver::wait_state(const std::string& state, milliseconds timeout) {
  const auto deadline = bus::Clock::now() + timeout;
  while (last_state_ != state && bus::Clock::now() < deadline) {
    if (last_state_ == "failed") return make_error("computation_failed", last_reason_);
    if (auto s = poll(milliseconds(50)); !s) return s;
  }
  if (last_state_ != state) return make_error("timeout", "agent never reached " + state);
  return ok_status();
}

Result<bus::Incoming> ManagerDriver::call(const std::string& cid, msg::Body body,
                                          milliseconds timeout) {
  const msg::MessageType t = msg::type_of(body);
  auto rep = ep_->call(agent_, msg::make_header(t, 0, cid), std::move(body), timeout);
  if (!rep) return rep.take_error();
  if (const auto* e = rep->body<msg::ErrorBody>()) {
    return make_error(e->code, std::string(msg::wire_name(t)) + ": " + e->message);
  }
  // Whatever arrived meanwhile (events, credits) is handled now.
  if (auto s = poll(milliseconds(0)); !s) return s.take_error();
  return rep;
}

Result<double> ManagerDriver::upload(const std::string& cid, const msg::UploadBegin& begin,
                                     const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return make_error("io_error", path + ": " + std::strerror(errno));
  const auto t0 = bus::Clock::now();
  auto rep = call(cid, begin, milliseconds(30000));
  if (!rep) return rep.take_error();
  const auto* ready = rep->body<msg::UploadReady>();
  if (!ready) return make_error("bad_message", "upload.begin: no upload.ready");
  bus::StreamParams p;
  p.size = begin.size;
  p.offset = ready->offset;
  p.chunk_size = ready->chunk_size;
  p.window = ready->credits;
  bus::CreditSender sender(p, ready->credits);
  const std::uint64_t id = ready->upload_id;
  stream_ = [&](bus::Incoming& in) {
    if (const auto* c = in.body<msg::UploadCredit>(); c && c->upload_id == id) {
      sender.grant(c->credits);
    }
  };
  Status failed = ok_status();
  while (!sender.all_sent() && failed.ok()) {
    while (sender.can_send()) {
      const std::size_t len = sender.next_length();
      const std::uint64_t off = sender.next_offset();
      zmq::message_t raw(len);
      const ssize_t n = ::pread(fd.fd, raw.data(), len, static_cast<off_t>(off));
      if (n != static_cast<ssize_t>(len)) {
        failed = make_error("io_error", "short read of " + path);
        break;
      }
      const msg::Envelope env{msg::make_header(msg::MessageType::kUploadChunk, 0, cid),
                              msg::UploadChunk{id, off}};
      if (auto s = ep_->send(agent_, env, &raw); !s) {
        failed = s;
        break;
      }
      sender.on_sent();
    }
    if (failed.ok() && !sender.all_sent()) failed = poll(milliseconds(100));
  }
  stream_ = nullptr;
  if (!failed) return failed.take_error();
  auto end = call(cid, msg::UploadEnd{id}, milliseconds(600000));
  if (!end) return end.take_error();
  return std::chrono::duration<double>(bus::Clock::now() - t0).count();
}

Result<ResultFetch> ManagerDriver::fetch_result(const std::string& cid, const PrivateKey& consumer,
                                                const std::string& out_path) {
  auto ch = call(cid, msg::ResultChallenge{}, milliseconds(30000));
  if (!ch) return ch.take_error();
  const auto* challenge = ch->body<msg::Challenge>();
  if (!challenge) return make_error("bad_message", "result.challenge: no challenge");
  auto sig = consumer.sign(as_bytes(result_challenge_statement(cid, challenge->challenge)));
  if (!sig) return sig.take_error();
  Fd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (out.fd < 0) return make_error("io_error", out_path + ": " + std::strerror(errno));

  const auto t0 = bus::Clock::now();
  auto rr = call(cid, msg::ResultGet{consumer.public_key().to_pem(), *sig}, milliseconds(30000));
  if (!rr) return rr.take_error();
  const auto* ready = rr->body<msg::ResultReady>();
  if (!ready) return make_error("bad_message", "result.get: no result.ready");
  const std::uint64_t sid = ready->stream_id;
  constexpr std::uint32_t kWindow = 8;  // the manager's usual window: 8 chunks in flight
  Hasher hasher(HashAlg::kSha3_256);
  std::uint64_t received = 0;
  std::uint32_t consumed = 0;
  bool ended = false;
  Status failed = ok_status();
  auto grant = [&](std::uint32_t n) {
    const msg::Envelope env{msg::make_header(msg::MessageType::kResultCredit, 0, cid),
                            msg::ResultCredit{sid, n}};
    if (auto s = ep_->send(agent_, env); !s && failed.ok()) failed = s;
  };
  stream_ = [&](bus::Incoming& in) {
    if (const auto* c = in.body<msg::ResultChunk>(); c && c->stream_id == sid) {
      const auto bytes = in.raw_bytes();
      if (c->offset != received) {
        failed = make_error("bad_message", "result chunk out of order");
        return;
      }
      hasher.update(bytes);
      if (::write(out.fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        failed = make_error("io_error", "write " + out_path);
        return;
      }
      received += bytes.size();
      if (++consumed >= kWindow / 2) {
        grant(consumed);
        consumed = 0;
      }
    } else if (const auto* e = in.body<msg::ResultEnd>(); e && e->stream_id == sid) {
      ended = true;
    }
  };
  grant(kWindow);
  const auto deadline = bus::Clock::now() + std::chrono::seconds(1800);
  while (!ended && failed.ok() && bus::Clock::now() < deadline) failed = poll(milliseconds(100));
  stream_ = nullptr;
  if (!failed) return failed.take_error();
  if (!ended) return make_error("timeout", "result stream did not end");
  if (received != ready->size || hasher.finish() != ready->sha3_256) {
    return make_error("hash_mismatch", "result size or SHA3-256 differs from result.ready");
  }
  ResultFetch f;
  f.seconds = std::chrono::duration<double>(bus::Clock::now() - t0).count();
  f.size = received;
  if (auto ack = call(cid, msg::ResultAck{sid}, milliseconds(30000)); !ack) return ack.take_error();
  return f;
}

}  // namespace cocos::bench
