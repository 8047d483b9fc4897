// wasm runner end to end through node's WASI (run-wasi.mjs): a hand-written module that reads a
// dataset through the /cocos/datasets preopen and writes a result through /cocos/results, a
// guest exit code, a trap, a refused symlink, and a datasets preopen that cannot be changed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "cocos/runner/runner.h"
#include "runner_test_util.h"

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::read_file;
using testing::Workspace;
using testing::write_file;

// Imports shared by the modules below. Preopen fds: 3 = /cocos/datasets, 4 = /cocos/results.
const char* kImports = R"(
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
)";

// Copies datasets/in.txt to results/out.txt and prints "done"; exit 10..13 name a failed call.
const char* kCopyBody = R"(
  (data (i32.const 100) "in.txt")
  (data (i32.const 120) "out.txt")
  (data (i32.const 140) "done\n")
  (func (export "_start") (local $in i32) (local $out i32) (local $n i32)
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 6) (i32.const 0)
                         (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 212))
      (then (call $proc_exit (i32.const 10))))
    (local.set $in (i32.load (i32.const 212)))
    (i32.store (i32.const 200) (i32.const 1024))
    (i32.store (i32.const 204) (i32.const 4096))
    (if (call $fd_read (local.get $in) (i32.const 200) (i32.const 1) (i32.const 208))
      (then (call $proc_exit (i32.const 11))))
    (local.set $n (i32.load (i32.const 208)))
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 120) (i32.const 7) (i32.const 9)
                         (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 212))
      (then (call $proc_exit (i32.const 12))))
    (local.set $out (i32.load (i32.const 212)))
    (i32.store (i32.const 224) (i32.const 1024))
    (i32.store (i32.const 228) (local.get $n))
    (if (call $fd_write (local.get $out) (i32.const 224) (i32.const 1) (i32.const 216))
      (then (call $proc_exit (i32.const 13))))
    (i32.store (i32.const 240) (i32.const 140))
    (i32.store (i32.const 244) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 240) (i32.const 1) (i32.const 216))))
)";

// Tries results/escape -> "." (plain node:wasi creates this one; a link to a directory is how
// a guest escapes a preopen); exits 0 if the runtime refused, 9 if the link was made.
const char* kSymlinkBody = R"(
  (data (i32.const 100) ".")
  (data (i32.const 120) "escape")
  (func (export "_start")
    (if (call $path_symlink (i32.const 100) (i32.const 1) (i32.const 4) (i32.const 120)
                            (i32.const 6))
      (then (call $proc_exit (i32.const 0))))
    (call $proc_exit (i32.const 9)))
)";

// Tries to change the datasets preopen in every way a guest could, then reads in.txt: exits 0
// when every change was refused and the read worked; 20..25 name a change that was allowed.
const char* kReadOnlyDatasetsBody = R"(
  (data (i32.const 100) "in.txt")
  (data (i32.const 120) "new.txt")
  (data (i32.const 140) "newdir")
  (func (export "_start")
    ;; create datasets/new.txt for writing (oflags creat, rights fd_write)
    (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 120) (i32.const 7)
                                  (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0)
                                  (i32.const 212)))
      (then (call $proc_exit (i32.const 20))))
    ;; open datasets/in.txt for writing, and with truncation
    (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 6)
                                  (i32.const 0) (i64.const 64) (i64.const 0) (i32.const 0)
                                  (i32.const 212)))
      (then (call $proc_exit (i32.const 21))))
    (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 6)
                                  (i32.const 8) (i64.const 2) (i64.const 0) (i32.const 0)
                                  (i32.const 212)))
      (then (call $proc_exit (i32.const 22))))
    (if (i32.eqz (call $path_unlink_file (i32.const 3) (i32.const 100) (i32.const 6)))
      (then (call $proc_exit (i32.const 23))))
    (if (i32.eqz (call $path_create_directory (i32.const 3) (i32.const 140) (i32.const 6)))
      (then (call $proc_exit (i32.const 24))))
    (if (i32.eqz (call $path_rename (i32.const 3) (i32.const 100) (i32.const 6) (i32.const 3)
                                    (i32.const 120) (i32.const 7)))
      (then (call $proc_exit (i32.const 25))))
    ;; reading still works
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 6) (i32.const 0)
                         (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 212))
      (then (call $proc_exit (i32.const 10))))
    (i32.store (i32.const 200) (i32.const 1024))
    (i32.store (i32.const 204) (i32.const 4096))
    (if (call $fd_read (i32.load (i32.const 212)) (i32.const 200) (i32.const 1) (i32.const 208))
      (then (call $proc_exit (i32.const 11))))
    (if (i32.ne (i32.load (i32.const 208)) (i32.const 8))
      (then (call $proc_exit (i32.const 12))))
    (call $proc_exit (i32.const 0)))
)";

std::string build_module(const std::string& dir, const std::string& name, const std::string& body) {
  std::string wat = dir + "/" + name + ".wat", wasm = dir + "/" + name + ".wasm";
  write_file(wat, std::string("(module ") + kImports + body + ")\n");
  std::string cmd = "wat2wasm " + wat + " -o " + wasm;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return wasm;
}

RunnerConfig wasm_config() {
  RunnerConfig c;
  c.grace = 500ms;
  return c;
}

TEST(WasmRunner, ReadsADatasetAndWritesAResult) {
  Workspace ws;
  write_file(ws.datasets + "/in.txt", "payload from the dataset\n");
  std::string wasm = build_module(ws.work, "copy", kCopyBody);
  Collector c;
  auto r = Runner(wasm_config()).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.results + "/out.txt"), "payload from the dataset\n");
  EXPECT_TRUE(c.has(Stream::kStdout, "done")) << c.dump();
}

TEST(WasmRunner, GuestExitCodeIsReported) {
  Workspace ws;
  std::string wasm =
      build_module(ws.work, "exit7", R"((func (export "_start") (call $proc_exit (i32.const 7))))");
  Collector c;
  auto r = Runner(wasm_config()).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->exited);
  EXPECT_EQ(r->exit_code, 7) << c.dump();
}

TEST(WasmRunner, TrapIsAFailure) {
  Workspace ws;
  std::string wasm = build_module(ws.work, "trap", R"((func (export "_start") unreachable))");
  Collector c;
  auto r = Runner(wasm_config()).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->exit_code, 134) << c.dump();
  bool trap_logged = false;
  for (const auto& l : c.lines()) {
    if (l.stream == Stream::kStderr && l.text.rfind("wasm trap:", 0) == 0) trap_logged = true;
  }
  EXPECT_TRUE(trap_logged) << c.dump();
}

TEST(WasmRunner, SymlinksCannotBeCreated) {
  Workspace ws;
  std::string wasm = build_module(ws.work, "symlink", kSymlinkBody);
  Collector c;
  auto r = Runner(wasm_config()).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_FALSE(std::filesystem::exists(ws.results + "/escape"));
}

TEST(WasmRunner, DatasetsAreReadOnly) {
  Workspace ws;
  write_file(ws.datasets + "/in.txt", "dataset\n");
  std::string wasm = build_module(ws.work, "readonly", kReadOnlyDatasetsBody);
  Collector c;
  auto r = Runner(wasm_config()).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws.datasets + "/in.txt"), "dataset\n");
  EXPECT_FALSE(std::filesystem::exists(ws.datasets + "/new.txt"));
  EXPECT_FALSE(std::filesystem::exists(ws.datasets + "/newdir"));
}

TEST(WasmRunner, MissingRuntimeScriptIsAnError) {
  Workspace ws;
  std::string wasm =
      build_module(ws.work, "exit7", R"((func (export "_start") (call $proc_exit (i32.const 7))))");
  RunnerConfig cfg = wasm_config();
  cfg.wasi_script = ws.work + "/nope.mjs";
  Collector c;
  auto r = Runner(cfg).run(ws.spec(AlgoType::kWasm, wasm), c.sink(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_spec");
}

}  // namespace
}  // namespace cocos::runner
