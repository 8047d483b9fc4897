// Human-readable output of the manager.
#include "cocos/manager/format.h"

#include <cstdio>

namespace cocos::manager {

std::string human_bytes(std::uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string human_rate(std::uint64_t bytes, std::chrono::nanoseconds elapsed) {
  double secs = std::chrono::duration<double>(elapsed).count();
  if (secs <= 0.0) secs = 1e-9;
  return human_bytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / secs)) + "/s";
}

std::string format_event_line(const StoredEvent& e) {
  std::string s = "event #" + std::to_string(e.seq) + " " + e.agent_id + " " +
                  (e.computation_id.empty() ? "-" : e.computation_id) + " " + e.state + "/" +
                  e.status;
  for (const auto& [k, v] : e.details) s += "  " + k + "=" + v;
  return s;
}

std::string format_log_line(const std::string& agent_id, const std::string& computation_id,
                            const std::string& stream, const std::string& line,
                            std::uint64_t dropped) {
  std::string s = "log    " + agent_id + " " + (computation_id.empty() ? "-" : computation_id) +
                  " [" + stream + "] " + line;
  if (dropped > 0) s += "  (" + std::to_string(dropped) + " lines dropped before this one)";
  return s;
}

Progress::Progress(std::string label, std::uint64_t total, std::ostream& out, bool live)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      live_(live),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::uint64_t done) {
  if (!started_) {
    // The first report is the resume point: bytes the receiver already held are not counted
    // in the rate.
    started_ = true;
    start_offset_ = done;
  }
  done_ = done;
  if (!live_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done != total_) return;
  last_draw_ = now;
  int pct = total_ == 0 ? 100 : static_cast<int>(done * 100 / total_);
  out_ << "\r  " << label_ << "  " << human_bytes(done) << " / " << human_bytes(total_) << "  "
       << pct << "%  " << human_rate(done - start_offset_, now - start_) << "\033[K" << std::flush;
}

void Progress::finish(const std::string& verb) {
  auto elapsed = std::chrono::steady_clock::now() - start_;
  if (live_) out_ << "\r\033[K";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", std::chrono::duration<double>(elapsed).count());
  out_ << verb << " " << label_ << ": " << human_bytes(done_) << " in " << secs << " s ("
       << human_rate(done_ - start_offset_, elapsed) << ")";
  if (start_offset_ > 0) out_ << ", resumed at " << human_bytes(start_offset_);
  out_ << "\n" << std::flush;
}

}  // namespace cocos::manager
