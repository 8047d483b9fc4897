// Agent results: challenge, consumer proof, credit-based streaming of results.zip, and the
// consume policy that moves resultsReady to complete.
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include "agent_internal.h"
#include "cocos/common/keys.h"

namespace cocos::agent {
namespace {
constexpr std::size_t kMaxChallenges = 16;
}

Result<Bytes> Agent::result_challenge() {
  const State s = sm_.state();
  if (s != State::kResultsReady && s != State::kComplete) return state_error("result.challenge");
  Bytes c(32);
  if (RAND_bytes(c.data(), static_cast<int>(c.size())) != 1) {
    return make_error("internal", "no randomness for a challenge");
  }
  challenges_.push_back(c);
  while (challenges_.size() > kMaxChallenges) challenges_.pop_front();
  return c;
}

Result<ResultReady> Agent::result_get(const std::string& consumer_key,
                                      std::span<const std::uint8_t> signature) {
  const State s = sm_.state();
  if (s != State::kResultsReady && s != State::kComplete) return state_error("result.get");
  if (!ps_.result) return make_error("internal", "results are missing");
  auto key = PublicKey::parse(consumer_key);
  if (!key)
    return make_error("not_consumer", "consumer_key does not parse: " + key.error().message);
  const Bytes der = key->to_der();
  std::optional<std::size_t> consumer;
  for (std::size_t i = 0; i < ps_.spec->consumers.size(); ++i) {
    auto declared = PublicKey::parse(ps_.spec->consumers[i].user_key);
    if (declared && declared->to_der() == der) {
      consumer = i;
      break;
    }
  }
  if (!consumer) {
    return make_error("not_consumer",
                      "this key is not a result consumer of computation " + ps_.spec->id);
  }
  // Each challenge proves possession once: it is consumed by the request that uses it.
  auto used = challenges_.end();
  for (auto it = challenges_.begin(); it != challenges_.end(); ++it) {
    const std::string statement = result_challenge_statement(ps_.spec->id, *it);
    if (key->verify(as_bytes(statement), signature)) {
      used = it;
      break;
    }
  }
  if (used == challenges_.end()) {
    return make_error("bad_challenge",
                      "signature does not cover an outstanding challenge for this computation");
  }
  challenges_.erase(used);
  if (streams_.size() >= opt_.max_result_streams) {
    return make_error("busy", "too many result streams open");
  }
  const std::string path = comp_dir() + "/results.zip";
  auto stream = std::make_unique<ResultStream>();
  stream->fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!stream->fd.valid()) return errno_error(path, errno);
  stream->consumer = *consumer;
  stream->size = ps_.result->size;
  ResultReady ready{next_id_++, ps_.result->size, ps_.result->sha3};
  streams_[ready.stream_id] = std::move(stream);
  return ready;
}

void Agent::result_credit(std::uint64_t stream_id, std::uint32_t credits) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  ResultStream& s = *it->second;
  for (std::uint32_t i = 0; i < credits && s.offset < s.size; ++i) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(opt_.result_chunk_size, s.size - s.offset));
    // pread straight into the outgoing message.
    auto read_into = [&s](std::span<std::uint8_t> buf) -> Result<std::size_t> {
      std::size_t got = 0;
      while (got < buf.size()) {
        ssize_t n = ::pread(s.fd.get(), buf.data() + got, buf.size() - got,
                            static_cast<off_t>(s.offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("results.zip", errno);
        if (n == 0) return make_error("io_error", "results.zip is shorter than announced");
        got += static_cast<std::size_t>(n);
      }
      return got;
    };
    auto sent = outbox_.result_chunk(stream_id, s.offset, want, read_into);
    if (!sent) {
      warn("result stream " + std::to_string(stream_id) + ": " + sent.error().to_string());
      streams_.erase(it);
      return;
    }
    s.offset += *sent;
  }
  if (s.offset == s.size && !s.ended) {
    s.ended = true;
    outbox_.result_end(stream_id, s.size, ps_.result->sha3);
  }
}

Status Agent::result_ack(std::uint64_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    if (acked_streams_.count(stream_id)) return ok_status();  // a retried ack
    return make_error("unknown_item", "no result stream " + std::to_string(stream_id));
  }
  if (!it->second->ended) {
    return make_error("bad_state", "result stream " + std::to_string(stream_id) +
                                       " has not ended; state " +
                                       std::string(state_name(sm_.state())));
  }
  const std::size_t consumer = it->second->consumer;
  streams_.erase(it);
  acked_streams_[stream_id] = true;
  while (acked_streams_.size() > 64) acked_streams_.erase(acked_streams_.begin());
  ps_.consumers_served[consumer] = true;
  bool done = !ps_.spec->consume_all;
  if (ps_.spec->consume_all) {
    done = true;
    for (bool served : ps_.consumers_served) done = done && served;
  }
  std::map<std::string, std::string> details{{"consumer", std::to_string(consumer)}};
  if (done && sm_.state() == State::kResultsReady) {
    if (auto r = fire(Event::kResultsConsumed); !r) return r.take_error();
    if (auto st = persist(); !st) return st;
    emit(EventStatus::kCompleted, std::move(details));
    return ok_status();
  }
  if (auto st = persist(); !st) return st;
  emit(EventStatus::kInProgress, std::move(details));
  return ok_status();
}

}  // namespace cocos::agent
