// Model: the writers (bus loop side) and the SSE client queues.
#include "cocos/manager/http/model.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

namespace cocos::manager::http {

namespace {
constexpr std::size_t kMaxSpans = 64;
constexpr std::size_t kMaxItems = 256;
// Delivery lag histogram bucket bounds, seconds (the last bucket is +Inf).
constexpr double kLagBounds[] = {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};

std::string event_json(const StoredEvent& e, std::uint64_t received_ms) {
  nlohmann::json j = {{"agent_id", e.agent_id},
                      {"seq", e.seq},
                      {"state", e.state},
                      {"status", e.status},
                      {"computation_id", e.computation_id},
                      {"timestamp_ms", e.timestamp_ms},
                      {"received_ms", received_ms},
                      {"details", e.details}};
  // Agent-supplied strings may hold invalid UTF-8: replace rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string failure_reason(const StoredEvent& e) {
  if (auto it = e.details.find("reason"); it != e.details.end() && !it->second.empty())
    return it->second;
  std::string s;
  for (const auto& [k, v] : e.details) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s.empty() ? "failed (no reason given)" : s;
}
}  // namespace

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::optional<std::vector<std::string>> SseClient::take(std::uint64_t wait_ms) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::milliseconds(wait_ms), [&] { return closed_ || !queue_.empty(); });
  if (closed_) return std::nullopt;
  std::vector<std::string> out(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

Model::~Model() {
  close_streams();
}

Model::Agent& Model::agent(const std::string& id) {
  auto it = agents_.find(id);
  if (it != agents_.end()) return it->second;
  if (agents_.size() >= kMaxAgents) {
    // Forget the agent heard from least recently.
    auto oldest = std::min_element(agents_.begin(), agents_.end(), [](auto& a, auto& b) {
      return a.second.last_seen_ms < b.second.last_seen_ms;
    });
    agents_.erase(oldest);
  }
  Agent& a = agents_[id];
  a.id = id;
  a.first_seen_ms = a.last_seen_ms = now_ms();
  return a;
}

Model::Computation& Model::computation(const std::string& id, const std::string& agent_id) {
  auto it = computations_.find(id);
  if (it != computations_.end()) return it->second;
  if (computations_.size() >= kMaxComputations) {
    // Evict the oldest computation, preferring one that has finished.
    auto victim = computations_.end();
    for (auto i = computations_.begin(); i != computations_.end(); ++i) {
      bool done = i->second.state == "complete" || i->second.state == "failed";
      bool vdone = victim != computations_.end() &&
                   (victim->second.state == "complete" || victim->second.state == "failed");
      if (victim == computations_.end() || (done && !vdone) ||
          (done == vdone && i->second.order < victim->second.order))
        victim = i;
    }
    computations_.erase(victim);
  }
  Computation& c = computations_[id];
  c.id = id;
  c.agent_id = agent_id;
  c.created_ms = c.updated_ms = now_ms();
  c.order = next_order_++;
  return c;
}

void Model::on_hello(const messages::Hello& h, std::uint64_t acked_seq) {
  std::lock_guard lk(mu_);
  Agent& a = agent(h.agent_id);
  a.version = h.version;
  a.capabilities = h.capabilities;
  a.simulated_snp = h.simulated_snp;
  a.state = h.state;
  a.computation_id = h.computation_id;
  a.last_seq = h.last_seq;
  a.acked_seq = acked_seq;
  a.hello_ms = a.last_seen_ms = now_ms();
}

void Model::on_seen(const std::string& agent_id) {
  std::lock_guard lk(mu_);
  agent(agent_id).last_seen_ms = now_ms();
}

void Model::on_event(const StoredEvent& e) {
  const std::uint64_t now = now_ms();
  std::string json = event_json(e, now);
  std::lock_guard lk(mu_);
  ++events_stored_;
  double lag_s = e.timestamp_ms < now ? static_cast<double>(now - e.timestamp_ms) / 1000.0 : 0.0;
  std::size_t b = 0;
  while (b < std::size(kLagBounds) && lag_s > kLagBounds[b]) ++b;
  ++lag_buckets_[b];
  ++lag_count_;
  lag_sum_s_ += lag_s;

  Agent& a = agent(e.agent_id);
  a.state = e.state;
  a.computation_id = e.computation_id;
  a.last_seq = std::max(a.last_seq, e.seq);

  if (!e.computation_id.empty()) {
    Computation& c = computation(e.computation_id, e.agent_id);
    c.agent_id = e.agent_id;
    const std::uint64_t ts = e.timestamp_ms ? e.timestamp_ms : now;
    if ((c.timeline.empty() || c.timeline.back().state != e.state) && c.timeline.size() < kMaxSpans)
      c.timeline.push_back(Span{e.state, ts});
    c.state = e.state;
    c.status = e.status;
    c.updated_ms = now;
    if (e.state == "failed" || e.status == "failed") c.failure_reason = failure_reason(e);
    c.events.push_back(json);
    c.event_seqs.push_back(e.seq);
    ++c.events_total;
    if (c.events.size() > kComputationEvents) {
      c.events.pop_front();
      c.event_seqs.pop_front();
    }
  }
  events_.push_back(json);
  if (events_.size() > kGlobalEvents) events_.pop_front();
  publish(json);
}

void Model::on_event_ack(const std::string& agent_id, std::uint64_t seq, std::uint64_t acked) {
  std::lock_guard lk(mu_);
  ++events_received_;
  if (acked >= seq && acked != 0) ++events_acked_;
  if (acked == 0) ++events_unstored_;
  Agent& a = agent(agent_id);
  a.acked_seq = std::max(a.acked_seq, acked);
}

void Model::on_log(const std::string& agent_id, const messages::Log& l) {
  std::lock_guard lk(mu_);
  ++log_lines_;
  if (l.computation_id.empty()) return;
  Computation& c = computation(l.computation_id, agent_id);
  c.logs.push_back(LogLine{now_ms(), l.stream, l.line.substr(0, 4096), l.dropped});
  c.logs_dropped += l.dropped;
  if (c.logs.size() > kLogLines) c.logs.pop_front();
}

void Model::on_transfer(const std::string& cid, const std::string& item, std::uint64_t done,
                        std::uint64_t total) {
  // Microseconds: small uploads on loopback finish within a millisecond.
  const std::uint64_t now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  std::lock_guard lk(mu_);
  auto& seen = transfer_seen_[cid + "|" + item];
  if (seen == 0 && transfer_seen_.size() > kMaxComputations * 4) transfer_seen_.clear();
  std::uint64_t delta = done > seen ? done - seen : 0;
  seen = std::max(seen, done);
  (item == "results" ? result_bytes_ : upload_bytes_) += delta;
  if (cid.empty()) return;
  auto cit = computations_.find(cid);
  if (cit == computations_.end()) {
    Computation& c = computation(cid, "");
    cit = computations_.find(c.id);
  }
  Computation& c = cit->second;
  auto it = std::find_if(c.items.begin(), c.items.end(), [&](auto& i) { return i.name == item; });
  if (it == c.items.end()) {
    if (c.items.size() >= kMaxItems) return;
    c.items.push_back(Item{item, done, total, now, done, now});
    return;
  }
  it->done = done;
  it->total = total;
  it->updated_us = now;
}

void Model::count_request(int status) {
  std::lock_guard lk(mu_);
  ++http_by_code_[status];
}

void Model::publish(const std::string& json) {
  std::erase_if(clients_, [&](const std::shared_ptr<SseClient>& c) {
    std::lock_guard ck(c->mu_);
    if (c->closed_) return true;
    if (c->queue_.size() >= kSseQueue) {
      // Too slow: drop it rather than grow or wait. The page reconnects and re-reads the API.
      c->closed_ = true;
      c->queue_.clear();
      c->cv_.notify_all();
      ++sse_dropped_;
      return true;
    }
    c->queue_.push_back(json);
    c->cv_.notify_all();
    return false;
  });
}

std::shared_ptr<SseClient> Model::subscribe() {
  std::lock_guard lk(mu_);
  if (closing_ || clients_.size() >= kMaxSseClients) return nullptr;
  auto c = std::make_shared<SseClient>();
  clients_.push_back(c);
  return c;
}

void Model::unsubscribe(const std::shared_ptr<SseClient>& c) {
  std::lock_guard lk(mu_);
  std::erase(clients_, c);
}

void Model::close_streams() {
  std::lock_guard lk(mu_);
  closing_ = true;
  for (auto& c : clients_) {
    std::lock_guard ck(c->mu_);
    c->closed_ = true;
    c->cv_.notify_all();
  }
  clients_.clear();
}

}  // namespace cocos::manager::http
