// Model readers: the JSON documents of the API and the Prometheus text, copied out under the
// model's lock (bounded by the page sizes).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cocos/manager/http/model.h"

namespace cocos::manager::http {

namespace {
using nlohmann::json;

const char* const kStates[] = {
    "idle",    "receivingManifest", "receivingAlgorithm", "receivingData",
    "running", "resultsReady",      "complete",           "failed"};
constexpr double kLagBounds[] = {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool terminal(const std::string& s) {
  return s == "complete" || s == "failed";
}

// Splices pre-serialized JSON objects into an array without re-parsing them.
template <typename It>
std::string join_array(It begin, It end) {
  std::string out = "[";
  for (auto it = begin; it != end; ++it) {
    if (out.size() > 1) out += ",";
    out += *it;
  }
  return out + "]";
}

// Replaces the placeholder string "@@KEY@@" in `doc` with raw JSON text.
std::string splice(std::string doc, const std::string& key, const std::string& raw) {
  std::string ph = "\"@@" + key + "@@\"";
  auto pos = doc.find(ph);
  if (pos != std::string::npos) doc.replace(pos, ph.size(), raw);
  return doc;
}
}  // namespace

std::string Model::agents_json(std::size_t offset, std::size_t limit) const {
  const std::uint64_t now = now_ms();
  std::lock_guard lk(mu_);
  json list = json::array();
  std::size_t i = 0;
  for (const auto& [id, a] : agents_) {
    if (i++ < offset) continue;
    if (list.size() >= limit) break;
    list.push_back({{"agent_id", a.id},
                    {"version", a.version},
                    {"capabilities", a.capabilities},
                    {"simulated_snp", a.simulated_snp},
                    {"state", a.state},
                    {"computation_id", a.computation_id},
                    {"last_seq", a.last_seq},
                    {"acked_seq", a.acked_seq},
                    {"first_seen_ms", a.first_seen_ms},
                    {"hello_ms", a.hello_ms},
                    {"last_seen_ms", a.last_seen_ms},
                    {"connected", now - std::min(now, a.last_seen_ms) < kSilentMs}});
  }
  return dump({{"total", agents_.size()}, {"offset", offset}, {"limit", limit}, {"agents", list}});
}

std::string Model::computation_summary(const Computation& c) const {
  const std::uint64_t now = now_ms();
  json j = {{"computation_id", c.id},
            {"agent_id", c.agent_id},
            {"state", c.state},
            {"status", c.status},
            {"created_ms", c.created_ms},
            {"updated_ms", c.updated_ms},
            {"events_total", c.events_total},
            {"failure_reason", c.failure_reason}};
  if (!c.timeline.empty()) {
    std::uint64_t end = terminal(c.state) ? c.timeline.back().start_ms : now;
    j["duration_ms"] = end - std::min(end, c.timeline.front().start_ms);
  }
  return dump(j);
}

std::string Model::computations_json(std::size_t offset, std::size_t limit) const {
  std::lock_guard lk(mu_);
  std::vector<const Computation*> all;
  all.reserve(computations_.size());
  for (const auto& [id, c] : computations_) all.push_back(&c);
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->order > b->order; });
  std::vector<std::string> page;
  for (std::size_t i = offset; i < all.size() && page.size() < limit; ++i)
    page.push_back(computation_summary(*all[i]));
  json head = {{"total", computations_.size()},
               {"offset", offset},
               {"limit", limit},
               {"computations", "@@LIST@@"}};
  return splice(dump(head), "LIST", join_array(page.begin(), page.end()));
}

std::optional<std::string> Model::computation_json(const std::string& id) const {
  const std::uint64_t now = now_ms();
  std::lock_guard lk(mu_);
  auto it = computations_.find(id);
  if (it == computations_.end()) return std::nullopt;
  const Computation& c = it->second;
  json j = json::parse(computation_summary(c), nullptr, false);
  json timeline = json::array();
  for (std::size_t i = 0; i < c.timeline.size(); ++i) {
    const Span& s = c.timeline[i];
    bool last = i + 1 == c.timeline.size();
    json span = {{"state", s.state}, {"start_ms", s.start_ms}};
    if (!last) {
      span["end_ms"] = c.timeline[i + 1].start_ms;
      span["duration_ms"] =
          c.timeline[i + 1].start_ms - std::min(s.start_ms, c.timeline[i + 1].start_ms);
    } else if (!terminal(s.state)) {
      span["duration_ms"] = now - std::min(now, s.start_ms);  // still in this state
      span["current"] = true;
    }
    timeline.push_back(span);
  }
  j["timeline"] = timeline;
  json items = json::array();
  for (const Item& i : c.items) {
    std::uint64_t us = i.updated_us - std::min(i.updated_us, i.start_us);
    std::uint64_t moved = i.done - std::min(i.done, i.start_bytes);
    json rate = nullptr;  // unknown until two progress reports are apart in time
    if (us > 0)
      rate = static_cast<std::uint64_t>(static_cast<double>(moved) * 1e6 / static_cast<double>(us));
    items.push_back({{"item", i.name},
                     {"bytes", i.done},
                     {"total", i.total},
                     {"complete", i.total > 0 && i.done >= i.total},
                     {"elapsed_ms", us / 1000},
                     {"rate_bytes_per_s", rate}});
  }
  j["items"] = items;
  json logs = json::array();
  for (const LogLine& l : c.logs)
    logs.push_back(
        {{"ts_ms", l.ts_ms}, {"stream", l.stream}, {"line", l.line}, {"dropped", l.dropped}});
  j["log_tail"] = logs;
  j["logs_dropped"] = c.logs_dropped;
  return dump(j);
}

std::optional<std::string> Model::computation_events_json(const std::string& id,
                                                          std::uint64_t since,
                                                          std::size_t limit) const {
  std::lock_guard lk(mu_);
  auto it = computations_.find(id);
  if (it == computations_.end()) return std::nullopt;
  const Computation& c = it->second;
  auto first = std::upper_bound(c.event_seqs.begin(), c.event_seqs.end(), since);
  std::size_t from = static_cast<std::size_t>(first - c.event_seqs.begin());
  std::size_t to = std::min(c.events.size(), from + limit);
  std::uint64_t next = to > from ? c.event_seqs[to - 1] : since;
  json head = {{"computation_id", id},
               {"since", since},
               {"events", "@@LIST@@"},
               {"next_since", next},
               {"more", to < c.events.size()},
               {"oldest_kept_seq", c.event_seqs.empty() ? 0 : c.event_seqs.front()}};
  auto b = c.events.begin() + static_cast<std::ptrdiff_t>(from);
  auto e = c.events.begin() + static_cast<std::ptrdiff_t>(to);
  return splice(dump(head), "LIST", join_array(b, e));
}

std::string Model::recent_events_json(std::size_t offset, std::size_t limit) const {
  std::lock_guard lk(mu_);
  std::vector<std::string> page;
  for (std::size_t i = offset; i < events_.size() && page.size() < limit; ++i)
    page.push_back(events_[events_.size() - 1 - i]);  // newest first
  json head = {
      {"total", events_.size()}, {"offset", offset}, {"limit", limit}, {"events", "@@LIST@@"}};
  return splice(dump(head), "LIST", join_array(page.begin(), page.end()));
}

std::string Model::metrics_text() const {
  const std::uint64_t now = now_ms();
  std::lock_guard lk(mu_);
  std::ostringstream o;
  auto family = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  std::size_t connected = 0;
  for (const auto& [id, a] : agents_) connected += now - std::min(now, a.last_seen_ms) < kSilentMs;
  family("cocos_manager_agents_connected", "gauge",
         "Agents heard from within the last 15 seconds.");
  o << "cocos_manager_agents_connected " << connected << "\n";
  family("cocos_manager_agents_known", "gauge", "Agents the manager has seen.");
  o << "cocos_manager_agents_known " << agents_.size() << "\n";
  family("cocos_manager_computations", "gauge", "Computations by their current state.");
  std::map<std::string, std::size_t> by_state;
  for (const char* s : kStates) by_state[s] = 0;
  for (const auto& [id, c] : computations_) ++by_state[c.state.empty() ? "idle" : c.state];
  for (const auto& [s, n] : by_state)
    o << "cocos_manager_computations{state=\"" << s << "\"} " << n << "\n";
  family("cocos_manager_upload_bytes_total", "counter", "Bytes uploaded to agents.");
  o << "cocos_manager_upload_bytes_total " << upload_bytes_ << "\n";
  family("cocos_manager_result_bytes_total", "counter", "Result bytes received from agents.");
  o << "cocos_manager_result_bytes_total " << result_bytes_ << "\n";
  family("cocos_manager_events_received_total", "counter",
         "Event messages received from agents (duplicates included).");
  o << "cocos_manager_events_received_total " << events_received_ << "\n";
  family("cocos_manager_events_acknowledged_total", "counter",
         "Event messages acknowledged (stored, or already stored).");
  o << "cocos_manager_events_acknowledged_total " << events_acked_ << "\n";
  family("cocos_manager_events_stored_total", "counter", "Distinct events stored.");
  o << "cocos_manager_events_stored_total " << events_stored_ << "\n";
  family("cocos_manager_event_delivery_lag_seconds", "histogram",
         "Time from the agent's event timestamp to the manager storing it.");
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i < std::size(kLagBounds); ++i) {
    cum += lag_buckets_[i];
    o << "cocos_manager_event_delivery_lag_seconds_bucket{le=\"" << kLagBounds[i] << "\"} " << cum
      << "\n";
  }
  o << "cocos_manager_event_delivery_lag_seconds_bucket{le=\"+Inf\"} " << lag_count_ << "\n";
  o << "cocos_manager_event_delivery_lag_seconds_sum " << lag_sum_s_ << "\n";
  o << "cocos_manager_event_delivery_lag_seconds_count " << lag_count_ << "\n";
  family("cocos_manager_log_lines_total", "counter", "Algorithm/agent log lines received.");
  o << "cocos_manager_log_lines_total " << log_lines_ << "\n";
  family("cocos_manager_sse_clients", "gauge", "Live event streams.");
  o << "cocos_manager_sse_clients " << clients_.size() << "\n";
  family("cocos_manager_sse_dropped_total", "counter", "Event streams dropped for being too slow.");
  o << "cocos_manager_sse_dropped_total " << sse_dropped_ << "\n";
  family("cocos_manager_http_requests_total", "counter", "HTTP requests by status code.");
  for (const auto& [code, n] : http_by_code_)
    o << "cocos_manager_http_requests_total{code=\"" << code << "\"} " << n << "\n";
  family("cocos_manager_http_request_errors_total", "counter",
         "HTTP requests answered with an error status (>= 400), by code.");
  for (const auto& [code, n] : http_by_code_)
    if (code >= 400)
      o << "cocos_manager_http_request_errors_total{code=\"" << code << "\"} " << n << "\n";
  return o.str();
}

}  // namespace cocos::manager::http
