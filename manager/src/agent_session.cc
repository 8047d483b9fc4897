// AgentSession: request/reply over the Router, event persistence, credit-based transfers.
#include "cocos/manager/agent_session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cocos/common/background_writer.h"
#include "cocos/common/unique_fd.h"
#include "cocos/messages/errors.h"

namespace cocos::manager {

namespace m = cocos::messages;
using Clock = std::chrono::steady_clock;

namespace {

// Result chunks the manager grants at once: enough to keep the link busy, small enough that a
// slow disk pushes back on the agent.
constexpr std::uint32_t kResultWindow = 8;

std::chrono::milliseconds until(Deadline d) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200));
}

StoredEvent to_stored(const std::string& agent, const m::Event& ev) {
  return StoredEvent{agent,           ev.seq,    ev.state, ev.status, ev.computation_id,
                     ev.timestamp_ms, ev.details};
}

std::string item_name(UploadItem::Kind k) {
  switch (k) {
    case UploadItem::Kind::kAlgorithm:
      return "algorithm";
    case UploadItem::Kind::kRequirements:
      return "requirements";
    case UploadItem::Kind::kDataset:
      return "dataset";
  }
  return "algorithm";
}

}  // namespace

// The result download in progress: chunks must arrive in order; this thread hashes each one while
// the writer thread writes the ones before it.
struct AgentSession::ResultStream {
  // Chunks waiting for the disk at most (bounds memory; the agent's window is kResultWindow).
  static constexpr std::size_t kMaxQueued = 8;
  std::uint64_t stream_id = 0;
  std::uint64_t received = 0;
  Hasher hasher{HashAlg::kSha3_256};
  UniqueFd fd;
  std::unique_ptr<BackgroundWriter> writer;  // after fd: stops before the file is closed
  std::string tmp_path;
  bool ended = false;
  std::uint64_t end_size = 0;
  Bytes end_sha3;
  std::optional<Error> error;
  Progress* progress = nullptr;
  std::uint64_t size = 0;  // announced by result.ready
};

AgentSession::AgentSession(Router& router, std::string events_dir, SessionObserver observer)
    : router_(router), events_dir_(std::move(events_dir)), observer_(std::move(observer)) {}

AgentSession::~AgentSession() {
  if (stream_ && !stream_->tmp_path.empty()) ::unlink(stream_->tmp_path.c_str());
}

std::uint64_t AgentSession::stored_seq() const {
  auto it = logs_.find(agent_);
  return it == logs_.end() ? 0 : it->second.last_seq();
}

EventLog* AgentSession::log_for(const std::string& agent) {
  auto it = logs_.find(agent);
  if (it != logs_.end()) return &it->second;
  auto log = EventLog::open(events_dir_, agent);
  if (!log) {
    fatal_ = log.take_error();
    return nullptr;
  }
  return &logs_.emplace(agent, std::move(*log)).first->second;
}

void AgentSession::reply(const std::string& agent, const m::Header& request, const m::Body& body) {
  m::Header h = m::make_header(m::type_of(body), request.id, request.cid);
  auto st = router_.send(agent, h, body);
  if (!st)
    std::cerr << "cocos-manager: reply to " << agent << ": " << st.error().to_string() << "\n";
}

Status AgentSession::notice(const m::Body& body, const std::string& cid) {
  return router_.send(agent_, m::make_header(m::type_of(body), next_id_++, cid), body);
}

void AgentSession::handle_event(const std::string& agent, const m::Header& h, const m::Event& ev) {
  EventLog* log = log_for(agent);
  if (log == nullptr) {
    // Not stored, so not acknowledged: the agent keeps it and sends it again.
    reply(agent, h, m::ErrorBody{std::string(m::err::kIoError), fatal_->message, std::nullopt});
    if (observer_.on_event_ack) observer_.on_event_ack(agent, ev.seq, 0);
    return;
  }
  auto outcome = log->append(to_stored(agent, ev));
  if (!outcome) {
    fatal_ = outcome.error();
    reply(agent, h,
          m::ErrorBody{std::string(m::err::kIoError), outcome.error().message, std::nullopt});
    if (observer_.on_event_ack) observer_.on_event_ack(agent, ev.seq, 0);
    return;
  }
  if (*outcome == AppendOutcome::kStored) {
    StoredEvent stored = to_stored(agent, ev);
    if (agent == agent_) last_event_ = stored;
    if (observer_.on_event) observer_.on_event(stored);
  } else if (*outcome == AppendOutcome::kGap) {
    needs_backfill_[agent] = true;
  }
  // Cumulative: everything up to last_seq() is on disk (a gapped event is not, yet).
  reply(agent, h, m::EventAck{log->last_seq()});
  if (observer_.on_event_ack) observer_.on_event_ack(agent, ev.seq, log->last_seq());
}

void AgentSession::dispatch(Incoming in) {
  const m::Header& h = in.envelope.header;
  const auto& info = m::info(h.type);
  if (observer_.on_seen) observer_.on_seen(in.agent_id);
  if (info.cls == m::MessageClass::kReply) {
    if (in.agent_id == agent_) replies_.insert_or_assign(h.id, std::move(in));
    return;
  }
  std::visit(
      [&](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, m::Hello>) {
          EventLog* log = log_for(in.agent_id);
          std::uint64_t acked = log ? log->last_seq() : 0;
          if (in.agent_id == agent_ || agent_.empty()) hello_ = body;
          reply(in.agent_id, h, m::HelloOk{acked});
          if (observer_.on_hello) observer_.on_hello(body, acked);
        } else if constexpr (std::is_same_v<T, m::Event>) {
          handle_event(in.agent_id, h, body);
        } else if constexpr (std::is_same_v<T, m::Ping>) {
          reply(in.agent_id, h, m::Pong{});
        } else if constexpr (std::is_same_v<T, m::Log>) {
          if (observer_.on_log) observer_.on_log(in.agent_id, body);
        } else if constexpr (std::is_same_v<T, m::UploadCredit>) {
          auto it = uploads_.find(body.upload_id);
          if (in.agent_id == agent_ && it != uploads_.end()) {
            it->second.acked = std::max(it->second.acked, body.acked);
            it->second.credits += body.credits;
          }
        } else if constexpr (std::is_same_v<T, m::ResultChunk>) {
          if (in.agent_id != agent_ || !stream_ || stream_->stream_id != body.stream_id) return;
          ResultStream& s = *stream_;
          if (s.error || s.ended) return;
          if (body.offset != s.received) {
            s.error =
                make_error("bad_message", "result chunk at offset " + std::to_string(body.offset) +
                                              ", expected " + std::to_string(s.received));
            return;
          }
          s.hasher.update(in.raw.bytes());
          s.received += in.raw.size();
          if (auto st = s.writer->push(std::move(in.raw)); !st) {
            s.error = st.take_error();
            return;
          }
          if (s.progress) s.progress->update(s.received);
          if (observer_.on_transfer) observer_.on_transfer(h.cid, "results", s.received, s.size);
          // One chunk consumed, one more granted: the window stays constant.
          (void)notice(m::ResultCredit{s.stream_id, 1}, h.cid);
        } else if constexpr (std::is_same_v<T, m::ResultEnd>) {
          if (in.agent_id != agent_ || !stream_ || stream_->stream_id != body.stream_id) return;
          stream_->ended = true;
          stream_->end_size = body.size;
          stream_->end_sha3 = body.sha3_256;
        } else if constexpr (std::is_same_v<T, m::UploadChunk> ||
                             std::is_same_v<T, m::ResultCredit>) {
          // Manager-to-agent notices: an agent has no business sending them. Ignore.
        } else {
          // A request the manager does not serve.
          reply(in.agent_id, h,
                m::ErrorBody{std::string(m::err::kUnknownType),
                             "the manager does not serve " + std::string(m::wire_name(h.type)),
                             std::nullopt});
        }
      },
      in.envelope.body);
}

Status AgentSession::pump_once(Deadline deadline) {
  if (fatal_) return *fatal_;
  auto in = router_.receive(until(deadline));
  if (!in) return in.take_error();
  if (in->has_value()) dispatch(std::move(**in));
  if (fatal_) return *fatal_;
  if (!backfilling_) {
    for (auto& [agent, needed] : needs_backfill_) {
      if (!needed) continue;
      needed = false;
      if (auto st = backfill(agent, deadline); !st) return st;
    }
  }
  return ok_status();
}

Status AgentSession::pump_until(const std::function<bool()>& done, Deadline deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) return make_error("timeout", "timed out waiting for the agent");
    if (auto st = pump_once(deadline); !st) return st;
  }
  return ok_status();
}

Result<std::string> AgentSession::wait_agent(const std::string& wanted, Deadline deadline) {
  while (agent_.empty()) {
    if (Clock::now() >= deadline)
      return make_error("timeout", wanted.empty() ? "no agent connected"
                                                  : "agent " + wanted + " did not connect");
    auto in = router_.receive(until(deadline));
    if (!in) return in.take_error();
    if (!in->has_value()) continue;
    Incoming msg = std::move(**in);
    if (wanted.empty() || msg.agent_id == wanted) agent_ = msg.agent_id;
    dispatch(std::move(msg));
    if (fatal_) return *fatal_;
  }
  return agent_;
}

Result<Incoming> AgentSession::call(const m::Body& request, const std::string& cid,
                                    Deadline deadline) {
  m::MessageType type = m::type_of(request);
  auto sent = router_.request(agent_, request, cid);
  if (!sent) return sent.take_error();
  const std::uint64_t id = *sent;
  while (true) {
    auto it = replies_.find(id);
    if (it != replies_.end()) {
      Incoming in = std::move(it->second);
      replies_.erase(it);
      if (auto* e = std::get_if<m::ErrorBody>(&in.envelope.body)) {
        std::string msg = e->message;
        if (e->state) msg += " (agent state: " + *e->state + ")";
        return make_error(e->code, msg);
      }
      auto expected = m::expected_reply(type);
      if (!expected || in.envelope.header.type != *expected)
        return make_error("bad_message", std::string(m::wire_name(type)) + " answered with " +
                                             std::string(m::wire_name(in.envelope.header.type)));
      return in;
    }
    if (Clock::now() >= deadline)
      return make_error("timeout",
                        "no reply to " + std::string(m::wire_name(type)) + " from " + agent_);
    if (auto st = pump_once(deadline); !st) return st.take_error();
  }
}

Status AgentSession::backfill(const std::string& agent, Deadline deadline) {
  if (agent != agent_) return ok_status();  // only the session's agent is asked; others resend
  backfilling_ = true;
  Status result = ok_status();
  bool first = true;
  while (true) {
    EventLog* log = log_for(agent);
    if (!log) {
      result = *fatal_;
      break;
    }
    auto r = call(m::EventsSince{log->last_seq(), 0}, "", deadline);
    if (!r) {
      result = r.take_error();
      break;
    }
    auto& evs = std::get<m::Events>(r->envelope.body);
    for (const auto& ev : evs.events) {
      // If the agent no longer holds the first missing events, nobody does: store across the gap.
      auto outcome = log->append(to_stored(agent, ev), first);
      first = false;
      if (!outcome) {
        fatal_ = outcome.error();
        result = outcome.take_error();
        break;
      }
      if (*outcome == AppendOutcome::kStored) {
        last_event_ = to_stored(agent, ev);
        if (observer_.on_event) observer_.on_event(*last_event_);
      }
    }
    if (!result || !evs.more || evs.events.empty()) break;
  }
  backfilling_ = false;
  return result;
}

Status AgentSession::upload(const std::string& cid, const UploadSource& src, Progress& progress,
                            Deadline deadline) {
  std::error_code ec;
  auto size = std::filesystem::file_size(src.path, ec);
  if (ec) return make_error("io_error", "cannot stat " + src.path + ": " + ec.message());
  Bytes sum = src.sha3_256;
  if (sum.empty()) {
    auto computed = digest_file(HashAlg::kSha3_256, src.path);
    if (!computed) return computed.take_error();
    sum = std::move(*computed);
  }
  UniqueFd fd(::open(src.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return make_error("io_error", "cannot open " + src.path + ": " + std::strerror(errno));

  m::UploadBegin begin;
  begin.item = item_name(src.item.kind);
  begin.index = src.item.index;
  begin.filename = src.item.filename;
  begin.size = size;
  begin.sha3_256 = sum;
  begin.signature = src.signature;
  auto r = call(begin, cid, deadline);
  if (!r) return r.take_error();
  auto ready = std::get<m::UploadReady>(r->envelope.body);
  if (ready.chunk_size == 0 || ready.offset > size)
    return make_error("bad_message", "upload.ready with chunk_size " +
                                         std::to_string(ready.chunk_size) + " offset " +
                                         std::to_string(ready.offset));
  uploads_[ready.upload_id] = UploadCredits{ready.offset, ready.credits};
  struct Forget {  // the credit bookkeeping ends with this upload, however it ends
    std::map<std::uint64_t, UploadCredits>& m;
    std::uint64_t id;
    ~Forget() { m.erase(id); }
  } forget{uploads_, ready.upload_id};

  std::uint64_t pos = ready.offset;
  progress.update(pos);
  const std::string label = src.item.describe();
  auto report = [&] {
    if (observer_.on_transfer) observer_.on_transfer(cid, label, pos, size);
  };
  report();
  // Reads the chunk at `pos` straight into the outgoing frame.
  auto read_chunk = [&](std::span<std::uint8_t> frame) -> Result<std::size_t> {
    std::size_t got = 0;
    while (got < frame.size()) {
      ssize_t n =
          ::pread(fd.get(), frame.data() + got, frame.size() - got, static_cast<off_t>(pos + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return make_error("io_error",
                          "read " + src.path + ": " +
                              (n == 0 ? std::string("file shrank") : std::strerror(errno)));
      got += static_cast<std::size_t>(n);
    }
    return got;
  };
  while (pos < size) {
    auto& credit = uploads_[ready.upload_id];
    if (credit.credits == 0) {
      if (Clock::now() >= deadline)
        return make_error("timeout", "agent granted no upload credit for " + src.item.describe());
      if (auto st = pump_once(deadline); !st) return st;
      continue;
    }
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(ready.chunk_size, size - pos));
    m::Body chunk = m::UploadChunk{ready.upload_id, pos};
    auto sent = router_.send_filled(agent_, m::make_header(m::type_of(chunk), next_id_++, cid),
                                    chunk, want, read_chunk);
    if (!sent) return sent.take_error();
    --credit.credits;
    pos += *sent;
    progress.update(pos);
    report();
  }
  auto end = call(m::UploadEnd{ready.upload_id}, cid, deadline);
  if (!end) return end.take_error();
  return ok_status();
}

Result<ResultFile> AgentSession::fetch_result(const std::string& cid, const PrivateKey& consumer,
                                              const std::string& out_path, Progress& progress,
                                              Deadline deadline) {
  auto ch = call(m::ResultChallenge{}, cid, deadline);
  if (!ch) return ch.take_error();
  const Bytes& challenge = std::get<m::Challenge>(ch->envelope.body).challenge;
  auto sig = consumer.sign(as_bytes(result_challenge_statement(cid, challenge)));
  if (!sig) return sig.take_error();
  auto rr = call(m::ResultGet{consumer.public_key().to_pem(), *sig}, cid, deadline);
  if (!rr) return rr.take_error();
  auto ready = std::get<m::ResultReady>(rr->envelope.body);

  stream_ = std::make_unique<ResultStream>();
  stream_->stream_id = ready.stream_id;
  stream_->progress = &progress;
  stream_->size = ready.size;
  std::filesystem::path out(out_path);
  std::string tmpl = ((out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path()) /
                      ("." + out.filename().string() + ".part-XXXXXX"))
                         .string();
  stream_->fd.reset(::mkstemp(tmpl.data()));
  if (!stream_->fd.valid())
    return make_error("io_error",
                      "cannot create a file beside " + out_path + ": " + std::strerror(errno));
  stream_->tmp_path = tmpl;
  stream_->writer = std::make_unique<BackgroundWriter>(
      stream_->fd.get(), 0, tmpl,
      BackgroundWriter::Options{.max_queued = ResultStream::kMaxQueued, .direct = true});
  progress.update(0);

  if (auto st = notice(m::ResultCredit{ready.stream_id, kResultWindow}, cid); !st)
    return st.take_error();
  auto done = [&] { return stream_->ended || stream_->error.has_value(); };
  if (auto st = pump_until(done, deadline); !st) return st.take_error();
  ResultStream& s = *stream_;
  if (s.error) return *s.error;
  if (auto st = s.writer->flush(); !st) return st.take_error();
  s.writer.reset();
  Bytes got = s.hasher.finish();
  if (s.received != ready.size || s.end_size != ready.size)
    return make_error("size_mismatch", "result: announced " + std::to_string(ready.size) +
                                           " bytes, end says " + std::to_string(s.end_size) +
                                           ", received " + std::to_string(s.received));
  if (got != ready.sha3_256 || s.end_sha3 != ready.sha3_256)
    return make_error("hash_mismatch", "result: received SHA3-256 " + to_hex(got) + ", announced " +
                                           to_hex(ready.sha3_256));
  if (::fsync(s.fd.get()) != 0 || ::fchmod(s.fd.get(), 0644) != 0)
    return make_error("io_error", "fsync " + s.tmp_path + ": " + std::strerror(errno));
  if (::rename(s.tmp_path.c_str(), out_path.c_str()) != 0)
    return make_error("io_error", "rename to " + out_path + ": " + std::strerror(errno));
  s.tmp_path.clear();
  // Acknowledge only once the bytes are durable under their final name.
  auto ack = call(m::ResultAck{ready.stream_id}, cid, deadline);
  stream_.reset();
  if (!ack) return ack.take_error();
  return ResultFile{ready.size, ready.sha3_256};
}

}  // namespace cocos::manager
