// Credit bookkeeping: the sender never exceeds its credits, chunk boundaries and resume offsets
// are enforced by the receiver, and grants are batched.
#include "cocos/bus/credit.h"

#include <gtest/gtest.h>

namespace cocos::bus {
namespace {

TEST(Credit, SenderStopsWhenCreditsRunOut) {
  StreamParams p{10, 0, 4, 2};
  CreditSender tx(p, 2);
  EXPECT_TRUE(tx.can_send());
  EXPECT_EQ(tx.next_length(), 4u);
  tx.on_sent();
  tx.on_sent();
  EXPECT_FALSE(tx.can_send());
  EXPECT_EQ(tx.next_offset(), 8u);
  tx.grant(5);
  EXPECT_EQ(tx.next_length(), 2u);  // last chunk is the remainder
  tx.on_sent();
  EXPECT_TRUE(tx.all_sent());
  EXPECT_FALSE(tx.can_send());
  EXPECT_EQ(tx.credits(), 4u);
}

TEST(Credit, ResumeStartsAtOffset) {
  StreamParams p{10, 8, 4, 2};
  CreditSender tx(p, 1);
  EXPECT_EQ(tx.next_offset(), 8u);
  EXPECT_EQ(tx.next_length(), 2u);
  CreditReceiver rx(p);
  EXPECT_FALSE(rx.accept(0, 4).ok());
  EXPECT_TRUE(rx.accept(8, 2).ok());
  EXPECT_TRUE(rx.complete());
}

TEST(Credit, ReceiverRejectsGapsShortChunksAndOverruns) {
  StreamParams p{10, 0, 4, 4};
  CreditReceiver rx(p);
  auto gap = rx.accept(4, 4);
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().code, "bad_message");
  auto short_chunk = rx.accept(0, 3);
  ASSERT_FALSE(short_chunk.ok());
  EXPECT_EQ(short_chunk.error().code, "bad_message");
  ASSERT_TRUE(rx.accept(0, 4).ok());
  ASSERT_TRUE(rx.accept(4, 4).ok());
  auto over = rx.accept(8, 4);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "size_mismatch");
  EXPECT_EQ(rx.received(), 8u);
}

TEST(Credit, GrantsAreBatchedByHalfWindow) {
  StreamParams p{100, 0, 1, 8};
  CreditReceiver rx(p);
  EXPECT_EQ(rx.initial_credits(), 8u);
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(rx.accept(i, 1).ok());
  EXPECT_EQ(rx.take_grant(), 0u);
  ASSERT_TRUE(rx.accept(3, 1).ok());
  EXPECT_EQ(rx.take_grant(), 4u);
  EXPECT_EQ(rx.take_grant(), 0u);
}

// Sender and receiver together: in-flight chunks never exceed the window.
TEST(Credit, InFlightNeverExceedsWindow) {
  StreamParams p{1000, 0, 7, 5};
  CreditReceiver rx(p);
  CreditSender tx(p, rx.initial_credits());
  std::vector<std::pair<std::uint64_t, std::size_t>> in_flight;
  std::size_t max_in_flight = 0;
  while (!rx.complete()) {
    while (tx.can_send()) {
      in_flight.push_back({tx.next_offset(), tx.next_length()});
      tx.on_sent();
    }
    max_in_flight = std::max(max_in_flight, in_flight.size());
    ASSERT_FALSE(in_flight.empty());
    auto [off, len] = in_flight.front();
    in_flight.erase(in_flight.begin());
    ASSERT_TRUE(rx.accept(off, len).ok());
    tx.grant(rx.take_grant());
  }
  EXPECT_LE(max_in_flight, 5u);
  EXPECT_TRUE(tx.all_sent());
}

}  // namespace
}  // namespace cocos::bus
