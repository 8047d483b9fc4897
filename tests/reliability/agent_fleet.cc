// AgentFleet: one manager thread serving many real cocos-agent processes (see agent_fleet.h).
#include "agent_fleet.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cocos::reliability {

namespace msg = messages;
using std::chrono::milliseconds;

namespace {

milliseconds left(Deadline deadline) {
  const auto d = std::chrono::duration_cast<milliseconds>(deadline - bus::Clock::now());
  return std::max(d, milliseconds(1));
}

std::string two_digits(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02zu", i);
  return buf;
}

// "code: message" of a reply that was not the expected success, or "" when it was.
std::string reply_failure(const Result<bus::Incoming>& r) {
  if (!r) return r.error().to_string();
  if (const auto* e = r->body<msg::ErrorBody>()) return e->code + ": " + e->message;
  return "";
}

}  // namespace

void FileFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<std::unique_ptr<AgentFleet>> AgentFleet::start(const FleetOptions& o, Deadline deadline) {
  std::unique_ptr<AgentFleet> f(new AgentFleet());
  bus::LinkOptions lo;
  // Many agents on 2 shared cores: a connection must not be dropped because one peer was
  // starved of CPU for a few seconds (the bench uses the same).
  lo.heartbeat_timeout_ms = 30000;
  auto ep = bus::ManagerEndpoint::bind(f->ctx_, "tcp://127.0.0.1:*", lo);
  if (!ep) return ep.take_error();
  f->ep_ = std::make_unique<bus::ManagerEndpoint>(std::move(*ep));

  for (std::size_t i = 0; i < o.agents; ++i) {
    auto a = std::make_unique<FleetAgent>();
    a->id = o.id_prefix + "-" + two_digits(i);
    a->dir = o.base_dir + "/" + a->id;
    if (::mkdir(a->dir.c_str(), 0700) != 0) {
      return make_error("io_error", "mkdir " + a->dir + ": " + std::strerror(errno));
    }
    std::vector<std::string> argv = {
        o.agent_bin,   "--agent-id",        a->id, "--manager",   f->endpoint(), "--work-dir",
        a->work_dir(), "--snp-mode",        "off", "--log-level", "warn",        "--heartbeat",
        "5",           "--default-timeout", "600"};
    argv.insert(argv.end(), o.agent_args.begin(), o.agent_args.end());
    test_support::SpawnOptions so;
    so.log_path = a->log_path();
    so.stdout_to_log = true;  // nobody reads the agent's stdout: it must never fill a pipe
    so.die_with_parent = true;
    so.env = o.agent_env;
    auto child = test_support::Child::spawn(argv, so);
    if (!child) return child.take_error();
    a->proc = std::move(*child);
    f->by_id_[a->id] = a.get();
    f->agents_.push_back(std::move(a));
  }
  if (auto s = f->run_until(
          [&] {
            return std::all_of(f->agents_.begin(), f->agents_.end(),
                               [](const auto& a) { return a->said_hello; });
          },
          deadline, "hello from every agent",
          [](const FleetAgent& a) { return a.said_hello ? "" : std::string("no hello"); });
      !s) {
    return s.take_error();
  }
  return f;
}

AgentFleet::~AgentFleet() {
  // All at once, so the agents' shutdowns overlap; then each is reaped, SIGKILLed if it is still
  // there when the common grace period is over.
  for (auto& a : agents_) a->proc.signal(SIGTERM);
  const auto grace_end = bus::Clock::now() + std::chrono::seconds(10);
  for (auto& a : agents_) {
    a->proc.stop(std::max(milliseconds(0),
                          std::chrono::duration_cast<milliseconds>(grace_end - bus::Clock::now())));
  }
}

void AgentFleet::handle(bus::Incoming&& in) {
  auto it = by_id_.find(in.peer);
  if (it == by_id_.end()) return;  // not one of ours: ignore
  FleetAgent& a = *it->second;
  switch (in.type()) {
    case msg::MessageType::kHello:
      a.said_hello = true;
      (void)ep_->reply(in, msg::HelloOk{a.acked_seq});
      break;
    case msg::MessageType::kPing:
      (void)ep_->reply(in, msg::Pong{});
      break;
    case msg::MessageType::kEvent:
      if (const auto* e = in.body<msg::Event>()) {
        // One connection keeps the agent's order, so the highest seq is the cumulative ack.
        if (e->seq > a.acked_seq) {
          a.acked_seq = e->seq;
          a.state = e->state;
          ++a.events;
          if (e->state == "failed") {
            auto r = e->details.find("reason");
            a.failure = r != e->details.end() ? r->second : "(no reason given)";
          }
        }
        (void)ep_->reply(in, msg::EventAck{a.acked_seq});
      }
      break;
    case msg::MessageType::kUploadCredit:
      if (const auto* c = in.body<msg::UploadCredit>();
          c && a.up.sender && c->upload_id == a.up.upload_id) {
        a.up.sender->grant(c->credits);
        a.up.acked = std::max(a.up.acked, c->acked);
      }
      break;
    case msg::MessageType::kLog:
      ++a.logs;
      break;
    default:
      break;  // nothing else is sent to a manager unasked
  }
}

Status AgentFleet::between_polls(const std::string& what) {
  const auto now = bus::Clock::now();
  if (now - last_alive_check_ >= std::chrono::seconds(1)) {
    last_alive_check_ = now;
    for (auto& a : agents_) {
      if (auto st = a->proc.wait(milliseconds(0)); st.ok()) {
        return make_error("agent_exited", "while waiting for " + what + ": " + a->id +
                                              " exited (wait status " + std::to_string(*st) +
                                              "); its log: " + a->log_path());
      }
    }
  }
  maybe_progress(what);
  return ok_status();
}

void AgentFleet::maybe_progress(const std::string& what) {
  if (!progress) return;
  const auto now = bus::Clock::now();
  if (last_progress_ == bus::Clock::time_point{}) last_progress_ = now;
  if (now - last_progress_ < progress_every) return;
  last_progress_ = now;
  std::map<std::string, int> states;
  std::uint64_t acked = 0;
  int done = 0;
  for (const auto& a : agents_) {
    ++states[a->state.empty() ? "(none)" : a->state];
    acked += a->up.acked;
    done += a->up.done ? 1 : 0;
  }
  std::string line = "waiting for " + what + ": states";
  for (const auto& [s, n] : states) line += " " + s + "=" + std::to_string(n);
  line += "; upload " + std::to_string(acked >> 20) + " MiB durable, " + std::to_string(done) +
          " ended";
  progress(line);
}

Status AgentFleet::run_until(const std::function<bool()>& pred, Deadline deadline,
                             const std::string& what,
                             const std::function<std::string(const FleetAgent&)>& lagging) {
  while (!pred()) {
    if (bus::Clock::now() >= deadline) {
      std::string who;
      std::size_t n = 0;
      for (const auto& a : agents_) {
        const std::string why = lagging(*a);
        if (why.empty()) continue;
        if (++n <= 10) who += (who.empty() ? "" : "; ") + a->id + " (" + why + ")";
      }
      if (n > 10) who += "; and " + std::to_string(n - 10) + " more";
      return make_error("timeout", what + ": " + std::to_string(n) + " agent(s) lag: " + who);
    }
    auto r = ep_->poll_once(std::min(milliseconds(50), left(deadline)),
                            [this](bus::Incoming&& in) { handle(std::move(in)); });
    if (!r) return r.take_error();
    if (auto s = between_polls(what); !s) return s;
  }
  return ok_status();
}

Status AgentFleet::request_all(const std::string& what,
                               const std::function<msg::Body(const FleetAgent&)>& make,
                               Deadline deadline) {
  // Shared with the reply handlers, which may outlive this call if it returns on the deadline.
  struct Batch {
    std::map<std::string, std::string> outcome;  // agent id -> "" (ok) or the failure
  };
  auto batch = std::make_shared<Batch>();
  std::string failures;
  for (auto& a : agents_) {
    msg::Body body = make(*a);
    const msg::MessageType t = msg::type_of(body);
    const std::string id = a->id;
    auto sent = ep_->request(
        id, msg::make_header(t, 0, a->cid), std::move(body), left(deadline),
        [batch, id](Result<bus::Incoming> r) { batch->outcome[id] = reply_failure(r); });
    if (!sent) failures += "; " + id + ": " + sent.error().to_string();
  }
  if (!failures.empty()) return make_error("io_error", what + failures);
  auto s = run_until(
      [&] { return batch->outcome.size() == agents_.size(); }, deadline, what,
      [&](const FleetAgent& a) { return batch->outcome.count(a.id) ? std::string() : "no reply"; });
  if (!s) return s;
  for (const auto& [id, why] : batch->outcome) {
    if (!why.empty()) failures += "; " + id + ": " + why;
  }
  if (!failures.empty()) return make_error("request_failed", what + failures);
  return ok_status();
}

Status AgentFleet::send_chunks(FleetAgent& a) {
  auto& up = a.up;
  while (up.sender->can_send()) {
    const std::size_t len = up.sender->next_length();
    const std::uint64_t off = up.sender->next_offset();
    // Read per chunk, as a manager relaying files does: only the chunks in flight are in memory.
    zmq::message_t raw(len);
    const ssize_t n = ::pread(up.file.get(), raw.data(), len, static_cast<off_t>(off));
    if (n != static_cast<ssize_t>(len)) {
      return make_error("io_error",
                        a.id + ": short read of the upload's file at " + std::to_string(off));
    }
    const msg::Envelope env{msg::make_header(msg::MessageType::kUploadChunk, 0, a.cid),
                            msg::UploadChunk{up.upload_id, off}};
    if (auto s = ep_->send(a.id, env, &raw); !s) {
      return make_error(s.error().code, a.id + ": upload.chunk: " + s.error().message);
    }
    up.sender->on_sent();
  }
  return ok_status();
}

Result<UploadFigures> AgentFleet::upload_all(
    const std::function<Result<UploadJob>(const FleetAgent&)>& job, Deadline deadline) {
  UploadFigures fig;
  // 1. upload.begin to every agent.
  for (auto& ap : agents_) {
    FleetAgent& a = *ap;
    a.up = FleetAgent::Upload{};
    auto j = job(a);
    if (!j) return make_error(j.error().code, a.id + ": " + j.error().message);
    a.up.file = FileFd(::open(j->path.c_str(), O_RDONLY | O_CLOEXEC));
    if (a.up.file.get() < 0) {
      return make_error("io_error", j->path + ": " + std::strerror(errno));
    }
    a.up.size = j->begin.size;
    fig.bytes += j->begin.size;
    FleetAgent* ag = &a;  // agents_ holds unique_ptrs: the address is stable for the fleet's life
    auto sent = ep_->request(a.id, msg::make_header(msg::MessageType::kUploadBegin, 0, a.cid),
                             j->begin, left(deadline), [ag](Result<bus::Incoming> r) {
                               const std::string why = reply_failure(r);
                               const auto* ready = r ? r->body<msg::UploadReady>() : nullptr;
                               if (!why.empty() || !ready) {
                                 ag->up.error = make_error("upload_begin",
                                                           why.empty() ? "no upload.ready" : why);
                                 return;
                               }
                               bus::StreamParams p;
                               p.size = ag->up.size;
                               p.offset = ready->offset;
                               p.chunk_size = ready->chunk_size;
                               p.window = ready->credits;
                               ag->up.upload_id = ready->upload_id;
                               ag->up.chunk_size = ready->chunk_size;
                               ag->up.window = ready->credits;
                               ag->up.sender.emplace(p, ready->credits);
                             });
    if (!sent) {
      return make_error(sent.error().code, a.id + ": upload.begin: " + sent.error().message);
    }
  }
  auto first_error = [&]() -> std::optional<Error> {
    for (const auto& a : agents_) {
      if (a->up.error) return make_error(a->up.error->code, a->id + ": " + a->up.error->message);
    }
    return std::nullopt;
  };
  // 2. The barrier: every upload is open before the first chunk goes out.
  if (auto s = run_until(
          [&] {
            return first_error() || std::all_of(agents_.begin(), agents_.end(), [](const auto& a) {
                     return a->up.sender.has_value();
                   });
          },
          deadline, "upload.ready from every agent",
          [](const FleetAgent& a) { return a.up.sender ? "" : std::string("no upload.ready"); });
      !s) {
    return s.take_error();
  }
  if (auto e = first_error()) return std::move(*e);
  for (const auto& a : agents_) {
    fig.open_at_once += a->up.sender && !a->up.ended ? 1 : 0;
    fig.max_chunk_size = std::max(fig.max_chunk_size, a->up.chunk_size);
    fig.max_window = std::max(fig.max_window, a->up.window);
  }
  // 3. All uploads interleaved: send what the credits allow, then serve (credits, events).
  const auto t0 = bus::Clock::now();
  auto ended = [&] {
    return static_cast<std::size_t>(
        std::count_if(agents_.begin(), agents_.end(), [](const auto& a) { return a->up.ended; }));
  };
  while (ended() < agents_.size()) {
    for (auto& ap : agents_) {
      FleetAgent& a = *ap;
      if (a.up.end_sent) continue;
      if (auto s = send_chunks(a); !s) return s.take_error();
      if (!a.up.sender->all_sent()) continue;
      a.up.end_sent = true;
      a.up.file.reset();
      FleetAgent* ag = &a;
      auto sent = ep_->request(a.id, msg::make_header(msg::MessageType::kUploadEnd, 0, a.cid),
                               msg::UploadEnd{a.up.upload_id}, left(deadline),
                               [ag](Result<bus::Incoming> r) {
                                 const std::string why = reply_failure(r);
                                 if (!why.empty()) {
                                   ag->up.error = make_error("upload_end", why);
                                 } else {
                                   ag->up.done = true;
                                 }
                                 ag->up.ended = true;
                               });
      if (!sent) {
        return make_error(sent.error().code, a.id + ": upload.end: " + sent.error().message);
      }
    }
    if (auto e = first_error()) return std::move(*e);
    if (ended() == agents_.size()) break;
    if (bus::Clock::now() >= deadline) {
      // Reuses run_until's report of who lags.
      auto s = run_until([] { return false; }, deadline, "every upload.end answered",
                         [](const FleetAgent& a) {
                           if (a.up.done) return std::string();
                           return std::to_string(a.up.acked >> 20) + " of " +
                                  std::to_string(a.up.size >> 20) + " MiB durable" +
                                  (a.up.end_sent ? ", upload.end sent" : "");
                         });
      return s.take_error();
    }
    auto r = ep_->poll_once(std::min(milliseconds(50), left(deadline)),
                            [this](bus::Incoming&& in) { handle(std::move(in)); });
    if (!r) return r.take_error();
    if (auto s = between_polls("every upload.end answered"); !s) return s.take_error();
  }
  if (auto e = first_error()) return std::move(*e);
  fig.stream_seconds = std::chrono::duration<double>(bus::Clock::now() - t0).count();
  return fig;
}

Status AgentFleet::wait_state_all(const std::string& state, Deadline deadline) {
  auto s = run_until(
      [&] {
        return std::all_of(agents_.begin(), agents_.end(),
                           [&](const auto& a) { return a->state == state || !a->failure.empty(); });
      },
      deadline, "every agent in " + state,
      [&](const FleetAgent& a) { return a.state == state ? "" : "in " + a.state; });
  if (!s) return s;
  std::string failures;
  for (const auto& a : agents_) {
    if (!a->failure.empty()) failures += "; " + a->id + ": " + a->failure;
  }
  if (!failures.empty()) return make_error("computation_failed", "waiting for " + state + failures);
  return ok_status();
}

}  // namespace cocos::reliability
