// Line assembly and rate limiting for child output (see log.h for the contract).
#include "cocos/runner/log.h"

#include <algorithm>

namespace cocos::runner {

std::string_view stream_name(Stream s) {
  switch (s) {
    case Stream::kStdout:
      return "stdout";
    case Stream::kStderr:
      return "stderr";
    case Stream::kAgent:
      return "agent";
  }
  return "agent";
}

LineAssembler::LineAssembler(Stream stream, const OutputPolicy& policy, const LogSink& sink)
    : stream_(stream),
      policy_(policy),
      sink_(sink),
      tokens_(policy.max_lines_per_second),
      last_refill_(std::chrono::steady_clock::now()) {
  policy_.max_line_bytes = std::max<std::size_t>(policy_.max_line_bytes, 16);
}

bool LineAssembler::take_token() {
  if (policy_.max_lines_per_second == 0) return true;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  double rate = policy_.max_lines_per_second;
  tokens_ = std::min(rate, tokens_ + elapsed * rate);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void LineAssembler::emit(std::string text, bool continued) {
  if (!take_token()) {
    ++dropped_pending_;
    ++dropped_total_;
    return;
  }
  if (continued) text += kContinuedMarker;
  LogLine line{stream_, std::move(text), continued, dropped_pending_};
  dropped_pending_ = 0;
  if (sink_) sink_(line);
}

void LineAssembler::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    pending_.append(part);
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    // Cut over-long pending text into pieces, on a UTF-8 boundary where one is near.
    while (pending_.size() > policy_.max_line_bytes) {
      std::size_t cut = policy_.max_line_bytes;
      for (std::size_t back = 0; back < 3 && cut > 1; ++back) {
        if ((static_cast<unsigned char>(pending_[cut]) & 0xc0) != 0x80) break;
        --cut;
      }
      if (!in_split_) ++split_lines_;
      in_split_ = true;
      emit(pending_.substr(0, cut), true);
      pending_.erase(0, cut);
    }
    if (nl == std::string_view::npos) break;
    if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
    emit(std::move(pending_), false);
    pending_.clear();
    in_split_ = false;
  }
}

void LineAssembler::finish() {
  if (!pending_.empty()) {
    emit(std::move(pending_), false);
    pending_.clear();
  }
  in_split_ = false;
  if (dropped_pending_ > 0 && sink_) {
    LogLine line{Stream::kAgent,
                 std::to_string(dropped_pending_) + " " + std::string(stream_name(stream_)) +
                     " lines dropped (rate limit)",
                 false, dropped_pending_};
    dropped_pending_ = 0;
    sink_(line);
  }
}

}  // namespace cocos::runner
