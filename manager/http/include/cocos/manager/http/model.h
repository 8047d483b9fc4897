// The monitoring model behind the manager's HTTP face: what the bus loop saw (agents,
// computations with their lifecycle timeline, upload progress, log tails, events, counters),
// kept in bounded memory and shared between the single-threaded bus loop (writer) and the HTTP
// server's threads (readers). Every method takes the one mutex briefly; readers copy out JSON
// under it, so the bus loop never waits on a slow HTTP client.
//
// Bounds: kMaxAgents agents, kMaxComputations computations (oldest finished ones evicted),
// kGlobalEvents recent events overall, kComputationEvents per computation, kLogLines log lines
// per computation, kMaxSseClients live event streams of kSseQueue events each (a client that
// falls further behind is dropped, never waited for).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cocos/manager/event_log.h"
#include "cocos/messages/bodies.h"

namespace cocos::manager::http {

inline constexpr std::size_t kMaxAgents = 10000;
inline constexpr std::size_t kMaxComputations = 10000;
inline constexpr std::size_t kGlobalEvents = 10000;
inline constexpr std::size_t kComputationEvents = 2000;
inline constexpr std::size_t kLogLines = 200;
inline constexpr std::size_t kMaxSseClients = 16;
inline constexpr std::size_t kSseQueue = 1024;
inline constexpr std::size_t kMaxPage = 1000;
// An agent is counted as connected while it sent anything within this many ms (3 heartbeats).
inline constexpr std::uint64_t kSilentMs = 15000;

std::uint64_t now_ms();  // wall clock, ms since the epoch

// One live event stream (Server-Sent Events): a bounded queue of pre-formatted JSON events.
class SseClient {
 public:
  // Waits up to `wait_ms` for events; returns them (empty on timeout). nullopt once the client
  // was dropped (too slow) or the model is shutting down.
  std::optional<std::vector<std::string>> take(std::uint64_t wait_ms);

 private:
  friend class Model;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool closed_ = false;
};

class Model {
 public:
  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  // --- writers (the bus loop) ---
  void on_hello(const messages::Hello& hello, std::uint64_t acked_seq);
  void on_seen(const std::string& agent_id);
  void on_event(const StoredEvent& e);
  void on_event_ack(const std::string& agent_id, std::uint64_t seq, std::uint64_t acked);
  void on_log(const std::string& agent_id, const messages::Log& log);
  void on_transfer(const std::string& cid, const std::string& item, std::uint64_t done,
                   std::uint64_t total);
  // --- the HTTP server ---
  void count_request(int status);

  // --- readers: JSON text (nlohmann-free header) ---
  // {"total","offset","limit","agents":[...]}
  std::string agents_json(std::size_t offset, std::size_t limit) const;
  // {"total","offset","limit","computations":[summary...]} newest first
  std::string computations_json(std::size_t offset, std::size_t limit) const;
  // nullopt when unknown
  std::optional<std::string> computation_json(const std::string& id) const;
  // {"computation_id","events":[...] (seq > since, oldest first),"next_since","more"}
  std::optional<std::string> computation_events_json(const std::string& id, std::uint64_t since,
                                                     std::size_t limit) const;
  // {"total","events":[...]} newest first, global ring (for the dashboard's first paint)
  std::string recent_events_json(std::size_t offset, std::size_t limit) const;
  std::string metrics_text() const;

  // SSE: nullptr when kMaxSseClients are connected.
  std::shared_ptr<SseClient> subscribe();
  void unsubscribe(const std::shared_ptr<SseClient>& c);
  // Wakes and closes every stream (server shutdown).
  void close_streams();

 private:
  struct Agent {
    std::string id, version, state, computation_id;
    std::vector<std::string> capabilities;
    bool simulated_snp = false;
    std::uint64_t last_seq = 0, acked_seq = 0, first_seen_ms = 0, last_seen_ms = 0, hello_ms = 0;
  };
  struct Span {
    std::string state;
    std::uint64_t start_ms = 0;
  };
  struct Item {
    std::string name;
    // start_us/updated_us: steady clock, for the rate
    std::uint64_t done = 0, total = 0, start_us = 0, start_bytes = 0, updated_us = 0;
  };
  struct LogLine {
    std::uint64_t ts_ms = 0;
    std::string stream, line;
    std::uint64_t dropped = 0;
  };
  struct Computation {
    std::string id, agent_id, state, status, failure_reason;
    std::uint64_t created_ms = 0, updated_ms = 0, order = 0;
    std::vector<Span> timeline;  // bounded: one span per state change (kMaxSpans)
    std::vector<Item> items;
    std::deque<LogLine> logs;
    std::deque<std::string> events;  // JSON, oldest first
    std::deque<std::uint64_t> event_seqs;
    std::uint64_t events_total = 0, logs_dropped = 0;
  };

  Agent& agent(const std::string& id);  // creates (bounded); lock held
  Computation& computation(const std::string& id, const std::string& agent_id);  // lock held
  std::string computation_summary(const Computation& c) const;
  void publish(const std::string& json);  // lock held

  mutable std::mutex mu_;
  std::map<std::string, Agent> agents_;
  std::map<std::string, Computation> computations_;
  std::uint64_t next_order_ = 0;
  std::deque<std::string> events_;  // global ring, JSON, oldest first
  std::vector<std::shared_ptr<SseClient>> clients_;
  bool closing_ = false;
  // counters
  std::uint64_t events_received_ = 0, events_acked_ = 0, events_stored_ = 0, events_unstored_ = 0;
  std::uint64_t upload_bytes_ = 0, result_bytes_ = 0, log_lines_ = 0, sse_dropped_ = 0;
  std::map<std::string, std::uint64_t> transfer_seen_;  // cid|item -> bytes counted
  std::map<int, std::uint64_t> http_by_code_;
  // delivery lag (stored time - agent timestamp), histogram in seconds
  std::vector<std::uint64_t> lag_buckets_ = std::vector<std::uint64_t>(9, 0);
  std::uint64_t lag_count_ = 0;
  double lag_sum_s_ = 0;
};

}  // namespace cocos::manager::http
