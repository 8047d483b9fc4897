// Credit bookkeeping for bulk streams.
#include "cocos/bus/credit.h"

#include <algorithm>
#include <string>

namespace cocos::bus {

CreditSender::CreditSender(const StreamParams& p, std::uint32_t initial_credits)
    : p_(p), next_(p.offset), credits_(initial_credits) {}

std::size_t CreditSender::next_length() const {
  if (next_ >= p_.size) return 0;
  return static_cast<std::size_t>(std::min<std::uint64_t>(p_.chunk_size, p_.size - next_));
}

void CreditSender::on_sent() {
  next_ += next_length();
  if (credits_ > 0) --credits_;
}

Status CreditReceiver::accept(std::uint64_t offset, std::size_t length) {
  if (offset != expected_) {
    return make_error("bad_message", "chunk at offset " + std::to_string(offset) + ", expected " +
                                         std::to_string(expected_));
  }
  if (expected_ + length > p_.size) {
    return make_error("size_mismatch",
                      "chunk overruns the declared size " + std::to_string(p_.size));
  }
  const std::uint64_t want = std::min<std::uint64_t>(p_.chunk_size, p_.size - expected_);
  if (length != want) {
    return make_error("bad_message", "chunk of " + std::to_string(length) + " bytes, expected " +
                                         std::to_string(want));
  }
  expected_ += length;
  ++consumed_since_grant_;
  return ok_status();
}

std::uint32_t CreditReceiver::take_grant() {
  const std::uint32_t half = std::max<std::uint32_t>(1, p_.window / 2);
  if (consumed_since_grant_ == 0) return 0;
  if (consumed_since_grant_ < half && !complete()) return 0;
  std::uint32_t g = consumed_since_grant_;
  consumed_since_grant_ = 0;
  return complete() ? 0 : g;
}

}  // namespace cocos::bus
