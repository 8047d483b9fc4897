// What an algorithm may use (RunnerConfig::limits, oom_score_adj) as each runner applies it,
// with real processes: a bin algorithm over the address-space limit gets ENOMEM (python's
// MemoryError) and one writing past the file-size limit is killed with a reason that says so;
// python's setup steps and script share the limits; a wasm guest cannot grow its memory past
// the limit; every algorithm process is the OOM killer's first pick. Docker: docker_runner_test.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <string>

#include "cocos/runner/runner.h"
#include "runner_test_util.h"

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::read_file;
using testing::Workspace;
using testing::write_file;

constexpr std::uint64_t kMiB = 1ull << 20;

RunnerConfig config_with(RunLimits limits) {
  RunnerConfig c;
  c.grace = 500ms;
  c.limits = limits;
  return c;
}

// A python script run as a bin algorithm: allocates (and touches) `mib` MiB.
std::string allocating_algorithm(const Workspace& ws, int mib) {
  const std::string algo = ws.work + "/alloc";
  write_file(algo,
             "#!/usr/bin/env python3\n"
             "block = bytearray(" +
                 std::to_string(mib) +
                 " << 20)\n"
                 "print('allocated', len(block) >> 20)\n");
  return algo;
}

TEST(RunLimits, MemoryLimitRefusesAnAllocationBeyondIt) {
  Workspace ws;
  Collector c;
  RunLimits l;
  l.memory_bytes = 128 * kMiB;
  auto r = Runner(config_with(l))
               .run(ws.spec(AlgoType::kBin, allocating_algorithm(ws, 512)), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success) << c.dump();
  EXPECT_EQ(r->exit_code, 1) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStderr, "MemoryError")) << c.dump();
}

TEST(RunLimits, TheSameAlgorithmRunsWithoutTheLimit) {
  Workspace ws;
  Collector c;
  auto r = Runner(config_with({}))
               .run(ws.spec(AlgoType::kBin, allocating_algorithm(ws, 512)), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_TRUE(c.has(Stream::kStdout, "allocated 512")) << c.dump();
}

TEST(RunLimits, FileSizeLimitKillsTheWriterWithAClearReason) {
  Workspace ws;
  const std::string algo = ws.work + "/big";
  write_file(algo, "#!/bin/sh\nexec head -c 100000 /dev/zero > \"$RESULTS_DIR/big\"\n");
  RunLimits l;
  l.file_size_bytes = 4096;
  Collector c;
  auto r = Runner(config_with(l)).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->signal, SIGXFSZ);
  EXPECT_EQ(r->reason, "killed by signal 25 (SIGXFSZ: file size limit reached)");
  EXPECT_LE(std::filesystem::file_size(ws.results + "/big"), 4096u);
}

TEST(RunLimits, OpenFilesLimitReachesTheAlgorithm) {
  Workspace ws;
  const std::string algo = ws.work + "/nofile";
  write_file(algo, "#!/bin/sh\nulimit -n > \"$RESULTS_DIR/nofile\"\n");
  RunLimits l;
  l.open_files = 64;
  Collector c;
  auto r = Runner(config_with(l)).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.results + "/nofile"), "64\n");
}

TEST(RunLimits, AlgorithmsAreTheOomKillersFirstPick) {
  Workspace ws;
  const std::string algo = ws.work + "/oom";
  // The script and what it forks (cat) both inherit the value.
  write_file(algo, "#!/bin/sh\ncat /proc/self/oom_score_adj > \"$RESULTS_DIR/adj\"\n");
  Collector c;
  auto r = Runner(config_with({})).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.results + "/adj"), "1000\n");

  // nullopt: inherited from the agent.
  RunnerConfig inherit = config_with({});
  inherit.oom_score_adj.reset();
  auto again = Runner(inherit).run(ws.spec(AlgoType::kBin, algo), c.sink(), {});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(read_file(ws.results + "/adj"), read_file("/proc/self/oom_score_adj"));
}

TEST(RunLimits, PythonScriptAndSetupRunUnderTheLimits) {
  Workspace ws;
  const std::string script = ws.work + "/algo.py";
  write_file(script,
             "import resource\n"
             "print('as', resource.getrlimit(resource.RLIMIT_AS)[0] >> 20)\n"
             "print('adj', open('/proc/self/oom_score_adj').read().strip())\n"
             "block = bytearray(512 << 20)\n");
  RunLimits l;
  l.memory_bytes = 256 * kMiB;
  Collector c;
  auto r = Runner(config_with(l)).run(ws.spec(AlgoType::kPython, script), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStdout, "as 256")) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStdout, "adj 1000")) << c.dump();
  EXPECT_TRUE(c.has(Stream::kStderr, "MemoryError")) << c.dump();
}

// memory.grow by `pages` 64 KiB pages; exit 3 when refused, 0 when granted.
std::string growing_module(const std::string& dir, int pages) {
  const std::string wat = dir + "/grow.wat", wasm = dir + "/grow.wasm";
  write_file(wat, R"((module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const )" +
                      std::to_string(pages) + R"()) (i32.const -1))
      (then (call $proc_exit (i32.const 3))))
    (call $proc_exit (i32.const 0))))
)");
  const std::string cmd = "wat2wasm " + wat + " -o " + wasm;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return wasm;
}

TEST(RunLimits, WasmGuestCannotGrowItsMemoryPastTheLimit) {
  Workspace ws;
  const std::string wasm = growing_module(ws.work, 64);  // to 65 pages: 4.06 MiB
  RunLimits l;
  l.memory_bytes = 2 * kMiB;  // 32 pages
  Collector c;
  auto r = Runner(config_with(l)).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->exit_code, 3) << c.dump();

  l.memory_bytes = 8 * kMiB;  // 128 pages: room for it
  Collector roomy;
  auto ok = Runner(config_with(l)).run(ws.spec(AlgoType::kWasm, wasm), roomy.sink(), {});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE(ok->success) << ok->reason << "\n" << roomy.dump();
}

TEST(RunLimits, ACustomWasmRuntimeIsToldItGetsNoMemoryLimit) {
  Workspace ws;
  const std::string wasm = growing_module(ws.work, 64);
  RunnerConfig cfg = config_with({});
  cfg.limits.memory_bytes = 2 * kMiB;
  // The default command written out: the agent cannot know how a custom runtime bounds memory.
  cfg.wasm_command = {"node",       "--no-warnings", "{script}", "{module}",
                      "{datasets}", "{results}",     "{args}"};
  Collector c;
  auto r = Runner(cfg).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_TRUE(c.has(Stream::kAgent,
                    "memory limit not applied: a custom WASI runtime (--wasm-runtime) gets no "
                    "memory limit from the agent"))
      << c.dump();
}

}  // namespace
}  // namespace cocos::runner
