// What a running algorithm (or a setup step) says: log lines, bounded in length and in rate.
//
// A line longer than OutputPolicy::max_line_bytes is split into pieces of at most that many
// bytes (cut on a UTF-8 boundary); every piece but the last has `continued` set and its text
// ends with kContinuedMarker, so the split is visible even where only the text travels.
// Lines beyond OutputPolicy::max_lines_per_second (a token bucket per stream, burst = the
// rate) are dropped and COUNTED: the next line delivered on that stream carries the count in
// `dropped`, and counts still pending when the process ends are delivered as a final
// Stream::kAgent line naming the stream. Nothing is lost silently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace cocos::runner {

enum class Stream { kStdout, kStderr, kAgent };
std::string_view stream_name(Stream s);  // "stdout", "stderr", "agent" (wire names)

inline constexpr std::string_view kContinuedMarker = "\xe2\x80\xa6";  // "…"

struct LogLine {
  Stream stream = Stream::kStdout;
  std::string text;           // without the newline (and without a trailing '\r')
  bool continued = false;     // an over-long line continues in the next LogLine of this stream
  std::uint64_t dropped = 0;  // lines dropped on this stream since the previous delivered line
};

// Called on the thread that runs the process; must not block for long.
using LogSink = std::function<void(const LogLine&)>;

struct OutputPolicy {
  std::size_t max_line_bytes = 4096;          // >= 16
  std::uint32_t max_lines_per_second = 1000;  // per stream; 0 = unlimited
};

// Splits one stream's bytes into lines and applies the policy. Not thread-safe (one per stream).
class LineAssembler {
 public:
  LineAssembler(Stream stream, const OutputPolicy& policy, const LogSink& sink);
  void feed(std::string_view bytes);
  // End of stream: delivers a final unterminated line and reports pending drops.
  void finish();
  std::uint64_t dropped_total() const { return dropped_total_; }
  std::uint64_t split_lines() const { return split_lines_; }

 private:
  void emit(std::string text, bool continued);
  bool take_token();

  Stream stream_;
  OutputPolicy policy_;
  const LogSink& sink_;
  std::string pending_;
  bool in_split_ = false;
  std::uint64_t dropped_pending_ = 0;
  std::uint64_t dropped_total_ = 0;
  std::uint64_t split_lines_ = 0;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_refill_;
};

}  // namespace cocos::runner
