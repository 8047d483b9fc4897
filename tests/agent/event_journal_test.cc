// EventJournal: append assigns sequence numbers, acks are cumulative and survive reopening,
// compaction keeps unacknowledged events, a torn tail from a crash is dropped.
#include "cocos/agent/core/event_journal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace cocos::agent {
namespace {

EventRecord ev(const std::string& state) {
  EventRecord r;
  r.state = state;
  r.status = "inProgress";
  r.computation_id = "c1";
  r.timestamp_ms = 1;
  r.details = {{"k", "v"}};
  return r;
}

TEST(EventJournal, AppendAssignsSequenceAndSinceFilters) {
  testing::TempDir dir;
  auto j = EventJournal::open(dir.path() + "/events");
  ASSERT_TRUE(j.ok());
  for (int i = 0; i < 5; ++i) {
    auto r = j->append(ev("running"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->seq, static_cast<std::uint64_t>(i + 1));
  }
  bool more = false;
  auto page = j->since(1, 2, &more);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 2u);
  EXPECT_EQ(page[1].seq, 3u);
  EXPECT_TRUE(more);
  page = j->since(3, 10, &more);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_FALSE(more);
  EXPECT_EQ(page[1].details.at("k"), "v");
}

TEST(EventJournal, ReloadKeepsUnackedAndContinuesNumbering) {
  testing::TempDir dir;
  const std::string d = dir.path() + "/events";
  {
    auto j = EventJournal::open(d);
    ASSERT_TRUE(j.ok());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(j->append(ev("s")).ok());
    ASSERT_TRUE(j->ack(2).ok());
  }
  auto j = EventJournal::open(d);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->acked_seq(), 2u);
  EXPECT_EQ(j->last_seq(), 4u);
  auto unacked = j->since(j->acked_seq(), 100, nullptr);
  ASSERT_EQ(unacked.size(), 2u);
  EXPECT_EQ(unacked[0].seq, 3u);
  auto r = j->append(ev("s"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 5u);
}

TEST(EventJournal, TornTailIsDroppedAndFileStaysAppendable) {
  testing::TempDir dir;
  const std::string d = dir.path() + "/events";
  {
    auto j = EventJournal::open(d);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE(j->append(ev("a")).ok());
    ASSERT_TRUE(j->append(ev("b")).ok());
  }
  {
    // A crash in the middle of an append leaves half a line.
    std::ofstream f(d + "/journal", std::ios::app);
    f << "{\"seq\":3,\"state\":\"x";
  }
  {
    auto j = EventJournal::open(d);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(j->last_seq(), 2u);
    auto r = j->append(ev("c"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->seq, 3u);
  }
  auto j = EventJournal::open(d);
  ASSERT_TRUE(j.ok());
  auto all = j->since(0, 10, nullptr);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].state, "c");
}

TEST(EventJournal, CompactionDropsOldAckedKeepsUnacked) {
  testing::TempDir dir;
  const std::string d = dir.path() + "/events";
  auto j = EventJournal::open(d, /*retain=*/2);
  ASSERT_TRUE(j.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(j->append(ev("s")).ok());
  const auto before = std::filesystem::file_size(d + "/journal");
  ASSERT_TRUE(j->ack(8).ok());  // 8 acked > 2*retain: compacts to 2 acked + 2 unacked
  EXPECT_EQ(j->size(), 4u);
  EXPECT_LT(std::filesystem::file_size(d + "/journal"), before);
  auto rest = j->since(0, 100, nullptr);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.front().seq, 7u);
  EXPECT_EQ(rest.back().seq, 10u);
  // After a reload the compacted journal gives the same view.
  auto again = EventJournal::open(d, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 4u);
  EXPECT_EQ(again->last_seq(), 10u);
  EXPECT_EQ(again->acked_seq(), 8u);
}

TEST(EventJournal, AckBeyondLastIsClampedAndAdvanceMovesNumbering) {
  testing::TempDir dir;
  auto j = EventJournal::open(dir.path() + "/events");
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->append(ev("s")).ok());
  ASSERT_TRUE(j->ack(99).ok());
  EXPECT_EQ(j->acked_seq(), 1u);
  ASSERT_TRUE(j->advance_to(40).ok());
  auto r = j->append(ev("s"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 41u);
}

}  // namespace
}  // namespace cocos::agent
