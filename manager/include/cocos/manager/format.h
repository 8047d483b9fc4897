// How the manager shows things to people: event and log lines, byte counts and rates, and the
// transfer progress display (a live line on a terminal, one summary line otherwise).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "cocos/manager/event_log.h"

namespace cocos::manager {

std::string human_bytes(std::uint64_t n);                                       // "1.5 KiB"
std::string human_rate(std::uint64_t bytes, std::chrono::nanoseconds elapsed);  // "12.0 MiB/s"

// "event #4 agent-1 comp-1 running/inProgress  exit_code=3 reason=..." (details sorted by key).
std::string format_event_line(const StoredEvent& e);
// "log   agent-1 comp-1 [stdout] line" (with "(N lines dropped)" when the agent dropped some).
std::string format_log_line(const std::string& agent_id, const std::string& computation_id,
                            const std::string& stream, const std::string& line,
                            std::uint64_t dropped);

// Transfer progress. On a terminal it redraws one line (bytes, percent, rate) at most every
// 100 ms; otherwise it stays quiet until finish(), which prints one summary line.
class Progress {
 public:
  Progress(std::string label, std::uint64_t total, std::ostream& out, bool live);
  void update(std::uint64_t done);
  // "<verb> <label>: 12.0 KiB in 0.02 s (600.0 KiB/s)"; `skipped` counts resumed bytes.
  void finish(const std::string& verb);

 private:
  std::string label_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  std::uint64_t start_offset_ = 0;
  bool started_ = false;
  std::ostream& out_;
  bool live_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace cocos::manager
