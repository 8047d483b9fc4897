// Output helpers: byte counts, event/log lines, PUB topics, and the progress summary line.
#include "cocos/manager/format.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cocos/manager/watcher.h"

namespace cocos::manager {
namespace {

TEST(Format, HumanBytes) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(3ull << 30), "3.0 GiB");
}

TEST(Format, EventAndLogLines) {
  StoredEvent e{"agent-1", 4, "failed", "failed", "c1", 1, {{"reason", "exit code 3"}, {"a", "b"}}};
  EXPECT_EQ(format_event_line(e), "event #4 agent-1 c1 failed/failed  a=b  reason=exit code 3");
  e.computation_id.clear();
  e.details.clear();
  EXPECT_EQ(format_event_line(e), "event #4 agent-1 - failed/failed");
  EXPECT_EQ(format_log_line("a", "c", "stdout", "hi", 0), "log    a c [stdout] hi");
  EXPECT_EQ(format_log_line("a", "", "stderr", "x", 2),
            "log    a - [stderr] x  (2 lines dropped before this one)");
}

TEST(Format, ProgressSummaryCountsResumedBytesSeparately) {
  std::ostringstream out;
  Progress p("algorithm", 2048, out, /*live=*/false);
  p.update(1024);
  p.update(2048);
  EXPECT_EQ(out.str(), "");  // quiet until finish when not on a terminal
  p.finish("uploaded");
  EXPECT_NE(out.str().find("uploaded algorithm: 2.0 KiB in "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("resumed at 1.0 KiB"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace cocos::manager
