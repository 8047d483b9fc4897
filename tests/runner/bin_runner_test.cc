// bin runner end to end with shell scripts as algorithms: success and results, exit codes,
// timeout and stop killing the group, output limits with counted drops, the environment.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <thread>

#include "cocos/runner/runner.h"
#include "runner_test_util.h"

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::group_gone;
using testing::read_file;
using testing::Workspace;
using testing::write_file;

RunnerConfig quick_config() {
  RunnerConfig c;
  c.grace = 500ms;
  return c;
}

TEST(BinRunner, RunsWithArgsInWorkDirAndWritesResults) {
  Workspace ws;
  write_file(ws.datasets + "/in.txt", "a\nb\nc\n");
  std::string algo = ws.work + "/algo";
  write_file(algo,
             "#!/bin/sh\n"
             "echo \"args: $1 $2\"\n"
             "pwd\n"
             "wc -l < \"$DATASETS_DIR/in.txt\" > \"$RESULTS_DIR/count.txt\"\n",
             0600);  // not executable as uploaded: the runner sets the mode
  RunSpec spec = ws.spec(AlgoType::kBin, algo);
  spec.args = {"x", "y"};
  Collector c;
  auto r = Runner(quick_config()).run(spec, c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_TRUE(r->exited);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(r->reason.empty());
  EXPECT_TRUE(c.has(Stream::kStdout, "args: x y"));
  EXPECT_TRUE(c.has(Stream::kStdout, ws.work));
  EXPECT_EQ(read_file(ws.results + "/count.txt"), "3\n");
}

TEST(BinRunner, NonZeroExitIsAFailureWithTheCode) {
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo, "#!/bin/sh\necho failing >&2\nexit 3\n");
  Collector c;
  auto r = Runner(quick_config()).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->exited);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->reason, "exit code 3");
  EXPECT_TRUE(c.has(Stream::kStderr, "failing"));
}

TEST(BinRunner, NotExecutableFormatIsAFailedRun) {
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo, "this is not a program\n");
  Collector c;
  auto r = Runner(quick_config()).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_NE(r->reason.find("Exec format error"), std::string::npos) << r->reason;
}

TEST(BinRunner, TimeoutKillsTheAlgorithmAndItsChildren) {
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo, "#!/bin/sh\necho $$ > \"$RESULTS_DIR/pgid\"\nsleep 30 &\nsleep 30\n");
  RunSpec spec = ws.spec(AlgoType::kBin, algo);
  spec.timeout = 1s;
  Collector c;
  auto r = Runner(quick_config()).run(spec, c.sink(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->timed_out);
  EXPECT_NE(r->reason.find("timeout"), std::string::npos) << r->reason;
  int pgid = std::atoi(read_file(ws.results + "/pgid").c_str());
  ASSERT_GT(pgid, 1);
  EXPECT_TRUE(group_gone(pgid));
}

TEST(BinRunner, StopFromAnotherThread) {
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo,
             "#!/bin/sh\necho $$ > \"$RESULTS_DIR/pgid.tmp\"\n"
             "mv \"$RESULTS_DIR/pgid.tmp\" \"$RESULTS_DIR/pgid\"\nsleep 30\n");
  std::stop_source stop;
  std::thread stopper([&] {
    for (int i = 0; i < 2000 && !std::filesystem::exists(ws.results + "/pgid"); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    stop.request_stop();  // what computation.stop does
  });
  Collector c;
  auto r = Runner(quick_config()).run(ws.spec(AlgoType::kBin, algo), c.sink(), stop.get_token());
  stopper.join();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->stopped);
  EXPECT_FALSE(r->timed_out);
  int pgid = std::atoi(read_file(ws.results + "/pgid").c_str());
  ASSERT_GT(pgid, 1);
  EXPECT_TRUE(group_gone(pgid));
}

TEST(BinRunner, OutputIsBoundedAndDropsAreCounted) {
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo,
             "#!/bin/sh\n"
             "echo hello\n"
             "head -c 10000 /dev/zero | tr '\\0' L; echo\n"
             "seq 1 20000\n");
  RunnerConfig cfg = quick_config();
  cfg.output.max_line_bytes = 1000;
  cfg.output.max_lines_per_second = 100;
  Collector c;
  auto r = Runner(cfg).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->success) << r->reason;
  EXPECT_TRUE(c.has(Stream::kStdout, "hello"));
  std::string longline;
  std::uint64_t numbers = 0, reported = 0;
  bool saw_continued = false;
  for (const auto& l : c.lines()) {
    reported += l.dropped;
    if (l.stream != Stream::kStdout) continue;
    EXPECT_LE(l.text.size(), 1000 + kContinuedMarker.size());
    if (!l.text.empty() && l.text[0] == 'L') {
      std::string t = l.text;
      if (l.continued) {
        saw_continued = true;
        t.resize(t.size() - kContinuedMarker.size());
      }
      longline += t;
    } else if (l.text != "hello") {
      ++numbers;
    }
  }
  EXPECT_TRUE(saw_continued);
  EXPECT_EQ(longline, std::string(10000, 'L'));
  EXPECT_GT(r->dropped_stdout, 0u);
  EXPECT_EQ(numbers + r->dropped_stdout, 20000u);  // every line delivered or counted
  EXPECT_EQ(reported, r->dropped_stdout);          // and every drop reported in the log
}

TEST(BinRunner, EnvironmentHasDirsAndNothingFromTheAgent) {
  ::setenv("COCOS_TEST_SECRET", "leak", 1);
  Workspace ws;
  std::string algo = ws.work + "/algo";
  write_file(algo,
             "#!/bin/sh\necho \"DS=$DATASETS_DIR\"\necho \"RS=$RESULTS_DIR\"\n"
             "echo \"SECRET=${COCOS_TEST_SECRET:-unset}\"\n");
  Collector c;
  auto r = Runner(quick_config()).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ::unsetenv("COCOS_TEST_SECRET");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->success);
  EXPECT_TRUE(c.has(Stream::kStdout, "DS=" + ws.datasets)) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStdout, "RS=" + ws.results)) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStdout, "SECRET=unset")) << c.dump();
}

TEST(BinRunner, BadSpecIsAnError) {
  Workspace ws;
  Collector c;
  auto r = Runner(quick_config()).run(ws.spec(AlgoType::kBin, ws.work + "/missing"), c.sink(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_spec");
  EXPECT_FALSE(parse_algo_type("binary").ok());
  EXPECT_EQ(parse_algo_type("wasm").value(), AlgoType::kWasm);
}

}  // namespace
}  // namespace cocos::runner
