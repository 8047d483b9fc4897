// LineAssembler: line splitting, over-long lines, UTF-8 cuts, rate limiting with counted drops.
#include "cocos/runner/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace cocos::runner {
namespace {

struct Lines {
  std::vector<LogLine> got;
  LogSink sink = [this](const LogLine& l) { got.push_back(l); };
};

TEST(LineAssembler, SplitsOnNewlinesAcrossChunksAndStripsCr) {
  Lines l;
  OutputPolicy p;
  LineAssembler a(Stream::kStdout, p, l.sink);
  a.feed("one\r\ntw");
  a.feed("o\n\nthree");
  a.finish();
  ASSERT_EQ(l.got.size(), 4u);
  EXPECT_EQ(l.got[0].text, "one");
  EXPECT_EQ(l.got[1].text, "two");
  EXPECT_EQ(l.got[2].text, "");
  EXPECT_EQ(l.got[3].text, "three");  // unterminated last line delivered at the end
  for (const auto& x : l.got) EXPECT_FALSE(x.continued);
}

TEST(LineAssembler, SplitsOverlongLinesAndMarksThem) {
  Lines l;
  OutputPolicy p;
  p.max_line_bytes = 16;
  LineAssembler a(Stream::kStderr, p, l.sink);
  std::string longline(40, 'x');
  a.feed(longline + "\nshort\n");
  a.finish();
  ASSERT_EQ(l.got.size(), 4u);
  std::string joined;
  for (int i = 0; i < 3; ++i) {
    std::string t = l.got[i].text;
    EXPECT_EQ(l.got[i].continued, i < 2);
    if (l.got[i].continued) {
      ASSERT_TRUE(t.ends_with(kContinuedMarker));
      t.resize(t.size() - kContinuedMarker.size());
      EXPECT_EQ(t.size(), 16u);
    }
    joined += t;
  }
  EXPECT_EQ(joined, longline);
  EXPECT_EQ(l.got[3].text, "short");
  EXPECT_EQ(a.split_lines(), 1u);
}

TEST(LineAssembler, NeverCutsInsideAUtf8Sequence) {
  Lines l;
  OutputPolicy p;
  p.max_line_bytes = 16;
  LineAssembler a(Stream::kStdout, p, l.sink);
  std::string s = std::string(15, 'a') + "\xc3\xa9" + "bc";  // 'é' straddles byte 16
  a.feed(s + "\n");
  a.finish();
  ASSERT_EQ(l.got.size(), 2u);
  EXPECT_EQ(l.got[0].text, std::string(15, 'a') + std::string(kContinuedMarker));
  EXPECT_EQ(l.got[1].text,
            "\xc3\xa9"
            "bc");
}

TEST(LineAssembler, CountsEveryDroppedLine) {
  Lines l;
  OutputPolicy p;
  p.max_lines_per_second = 10;
  LineAssembler a(Stream::kStdout, p, l.sink);
  std::string flood;
  for (int i = 0; i < 5000; ++i) flood += std::to_string(i) + "\n";
  a.feed(flood);
  a.feed("last\n");
  a.finish();
  std::uint64_t delivered = 0, reported = 0;
  for (const auto& x : l.got) {
    reported += x.dropped;
    if (x.stream == Stream::kStdout) ++delivered;
  }
  EXPECT_GT(a.dropped_total(), 0u);
  EXPECT_EQ(delivered + a.dropped_total(), 5001u);  // nothing lost silently
  EXPECT_EQ(reported, a.dropped_total());           // every drop reported to the sink
}

}  // namespace
}  // namespace cocos::runner
