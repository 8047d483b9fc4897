// EventLog: each seq stored exactly once and in order, durable across reopen, duplicates and gaps
// reported, torn last lines cut, corrupt lines refused, JSON round trip.
#include "cocos/manager/event_log.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace cocos::manager {
namespace {

using testing::TempDir;

StoredEvent ev(std::uint64_t seq, std::string state = "running") {
  StoredEvent e;
  e.seq = seq;
  e.state = std::move(state);
  e.status = "inProgress";
  e.computation_id = "comp-1";
  e.timestamp_ms = 1700000000000 + seq;
  e.details = {{"k", "v" + std::to_string(seq)}};
  return e;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(EventLog, StoresInOrderAndReopens) {
  TempDir dir;
  {
    auto log = EventLog::open(dir / "events", "agent-1");
    ASSERT_TRUE(log) << log.error().to_string();
    EXPECT_EQ(log->last_seq(), 0u);
    for (std::uint64_t s = 1; s <= 3; ++s) {
      auto r = log->append(ev(s));
      ASSERT_TRUE(r);
      EXPECT_EQ(*r, AppendOutcome::kStored);
    }
    EXPECT_EQ(log->last_seq(), 3u);
    EXPECT_EQ(log->path(), dir / "events/agent-1.jsonl");
  }
  auto log = EventLog::open(dir / "events", "agent-1");
  ASSERT_TRUE(log);
  EXPECT_EQ(log->last_seq(), 3u);
  auto all = log->read_all();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  StoredEvent want = ev(2);
  want.agent_id = "agent-1";
  EXPECT_EQ((*all)[1], want);
}

TEST(EventLog, DuplicatesAreNotWrittenTwice) {
  TempDir dir;
  auto log = EventLog::open(dir.path(), "a");
  ASSERT_TRUE(log);
  ASSERT_EQ(*log->append(ev(1)), AppendOutcome::kStored);
  ASSERT_EQ(*log->append(ev(2)), AppendOutcome::kStored);
  EXPECT_EQ(*log->append(ev(1)), AppendOutcome::kDuplicate);
  EXPECT_EQ(*log->append(ev(2)), AppendOutcome::kDuplicate);
  auto all = log->read_all();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST(EventLog, GapIsReportedUnlessAllowed) {
  TempDir dir;
  auto log = EventLog::open(dir.path(), "a");
  ASSERT_TRUE(log);
  ASSERT_EQ(*log->append(ev(1)), AppendOutcome::kStored);
  EXPECT_EQ(*log->append(ev(3)), AppendOutcome::kGap);
  EXPECT_EQ(log->last_seq(), 1u);
  EXPECT_EQ(*log->append(ev(5), /*allow_gap=*/true), AppendOutcome::kStored);
  EXPECT_EQ(log->last_seq(), 5u);
  EXPECT_EQ(*log->append(ev(4), true), AppendOutcome::kDuplicate);
  auto reopened = EventLog::open(dir.path(), "a");
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  EXPECT_EQ(reopened->last_seq(), 5u);
}

TEST(EventLog, TornLastLineIsCutOnOpen) {
  TempDir dir;
  {
    auto log = EventLog::open(dir.path(), "a");
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->append(ev(1)));
    ASSERT_TRUE(log->append(ev(2)));
  }
  std::string path = dir / "a.jsonl";
  std::string full = slurp(path);
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"agent_id\":\"a\",\"seq\":3,\"sta";  // crash in the middle of a write
  }
  auto log = EventLog::open(dir.path(), "a");
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_EQ(log->last_seq(), 2u);
  EXPECT_EQ(slurp(path), full);
  ASSERT_EQ(*log->append(ev(3)), AppendOutcome::kStored);
  auto all = log->read_all();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}

TEST(EventLog, CorruptOrUnorderedLinesAreRefused) {
  TempDir dir;
  {
    std::ofstream out(dir / "bad.jsonl");
    out << "not json\n";
  }
  auto bad = EventLog::open(dir.path(), "bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_event");

  {
    std::ofstream out(dir / "unordered.jsonl");
    StoredEvent a = ev(2), b = ev(1);
    a.agent_id = b.agent_id = "unordered";
    out << event_to_json(a) << "\n" << event_to_json(b) << "\n";
  }
  auto unordered = EventLog::open(dir.path(), "unordered");
  ASSERT_FALSE(unordered);
  EXPECT_NE(unordered.error().message.find("not increasing"), std::string::npos);
}

TEST(EventLog, AgentIdMustNameAFile) {
  TempDir dir;
  for (const char* id : {"", ".", "..", "../x", "a/b", "a b"}) {
    auto log = EventLog::open(dir.path(), id);
    ASSERT_FALSE(log) << id;
    EXPECT_EQ(log.error().code, "bad_agent_id");
  }
  EXPECT_TRUE(valid_agent_id("agent-1.x_y"));
}

TEST(EventLog, JsonRoundTripAndValidation) {
  StoredEvent e = ev(7, "failed");
  e.agent_id = "a";
  e.details["error"] = "exit status 3";
  auto back = event_from_json(event_to_json(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(event_from_json("[]"));
  EXPECT_FALSE(event_from_json(R"({"agent_id":"a","seq":-1,"state":"x","status":"y",)"
                               R"("computation_id":"c","timestamp_ms":1})"));
  auto nodetail = event_from_json(R"({"agent_id":"a","seq":1,"state":"x","status":"y",)"
                                  R"("computation_id":"c","timestamp_ms":1})");
  ASSERT_TRUE(nodetail);
  EXPECT_TRUE(nodetail->details.empty());
  EXPECT_FALSE(event_from_json(R"({"agent_id":"a","seq":1,"state":"x","status":"y",)"
                               R"("computation_id":"c","timestamp_ms":1,"details":{"k":1}})"));
}

}  // namespace
}  // namespace cocos::manager
