// Credit-based flow control for bulk streams (uploads manager->agent, results agent->manager),
// the ZeroMQ guide's file-transfer pattern: the receiver grants N chunks of C bytes; the sender
// never has more than the granted chunks in flight; the receiver grants more as it consumes
// (writes to disk, hashes). Memory stays bounded by N*C on both sides whatever the total size.
// Pure bookkeeping (no sockets): the agent and manager feed it their upload.*/result.* messages.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cocos/common/result.h"

namespace cocos::bus {

struct StreamParams {
  std::uint64_t size = 0;    // total bytes of the stream
  std::uint64_t offset = 0;  // start (resume point)
  std::uint32_t chunk_size = 1024 * 1024;
  std::uint32_t window = 8;  // chunks the receiver lets be in flight
};

class CreditSender {
 public:
  // initial_credits: what upload.ready / the first result.credit granted.
  CreditSender(const StreamParams& p, std::uint32_t initial_credits);

  // A chunk may be sent now (credits left and bytes left).
  bool can_send() const { return credits_ > 0 && next_ < p_.size; }
  std::uint64_t next_offset() const { return next_; }
  // Length of the next chunk: chunk_size, or what is left for the last one.
  std::size_t next_length() const;
  // Records that the next chunk went out (consumes one credit).
  void on_sent();
  void grant(std::uint32_t credits) { credits_ += credits; }
  std::uint32_t credits() const { return credits_; }
  bool all_sent() const { return next_ >= p_.size; }

 private:
  StreamParams p_;
  std::uint64_t next_;
  std::uint64_t credits_;
};

class CreditReceiver {
 public:
  explicit CreditReceiver(const StreamParams& p) : p_(p), expected_(p.offset) {}

  // Credits to announce first (the window).
  std::uint32_t initial_credits() const { return p_.window; }
  // Checks a chunk: it must start where the previous one ended, be chunk_size long (or the
  // remainder at the end) and not overrun. Errors: "bad_message" (offset/length), "size_mismatch".
  Status accept(std::uint64_t offset, std::size_t length);
  // Credits to grant now: returns the number of chunks consumed since the last grant once at
  // least half the window was consumed (or the stream is complete), else 0. Batching keeps the
  // credit traffic at ~2 messages per window.
  std::uint32_t take_grant();
  std::uint64_t received() const { return expected_; }
  bool complete() const { return expected_ == p_.size; }

 private:
  StreamParams p_;
  std::uint64_t expected_;
  std::uint32_t consumed_since_grant_ = 0;
};

}  // namespace cocos::bus
