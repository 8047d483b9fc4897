// docker runner end to end through podman: an image built here from busybox-static (rootfs tar
// -> `podman import` -> `podman save --format docker-archive`), loaded and run as an algorithm
// that reads a dataset and writes a result; exit codes; read-only datasets; timeout cleanup
// (no container and no image left). Skipped, with the reason, only when podman cannot run.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "cocos/runner/runner.h"
#include "runner_test_util.h"

extern char** environ;  // the test's environment, handed to the podman service

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::read_file;
using testing::TempDir;
using testing::Workspace;
using testing::write_file;

// Runs a shell command, returns its stdout (and its exit status in `rc`).
std::string sh_output(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  if (rc != nullptr) *rc = st;
  return out;
}

class DockerRunner : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    conf_ = executable_dir() + "/containers.conf";
    ::setenv("CONTAINERS_CONF", conf_.c_str(), 1);
    int rc = 0;
    sh_output("podman info >/dev/null 2>&1", &rc);
    if (rc != 0) {
      skip_reason_ = "podman cannot run here (`podman info` failed)";
      return;
    }
    dir_ = std::make_unique<TempDir>();
    std::string root = *dir_ / "rootfs";
    tag_ = "localhost/cocos-runner-test:" + std::to_string(::getpid());
    archive_ = *dir_ / "image.tar";
    std::string script =
        "set -e; mkdir -p " + root + "/bin " + root + "/tmp " + root + "/etc; cp /bin/busybox " +
        root + "/bin/busybox; for a in sh echo cat wc sleep ls head; do ln -s busybox " + root +
        "/bin/$a; done; echo 'root:x:0:0:root:/:/bin/sh' > " + root + "/etc/passwd; tar -C " +
        root + " -cf " + *dir_ / "rootfs.tar" + " .; podman import -q " + *dir_ / "rootfs.tar" +
        " " + tag_ + " >/dev/null; podman save -q --format docker-archive -o " + archive_ + " " +
        tag_ + "; podman rmi -f " + tag_ + " >/dev/null";
    std::string out = sh_output("(" + script + ") 2>&1", &rc);
    if (rc != 0) skip_reason_ = "cannot build the test image with podman: " + out;
  }
  static void TearDownTestSuite() {
    if (!tag_.empty()) sh_output("podman rmi -f " + tag_ + " >/dev/null 2>&1");
    dir_.reset();
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    write_file(ws_.work + "/image.tar", read_file(archive_));
  }

  RunSpec spec(const std::string& id, std::vector<std::string> args) {
    RunSpec s = ws_.spec(AlgoType::kDocker, ws_.work + "/image.tar");
    s.computation_id = id + "-" + std::to_string(::getpid());
    s.args = std::move(args);
    return s;
  }
  static RunnerConfig config() {
    RunnerConfig c;
    c.grace = 500ms;
    c.containers_conf = conf_;
    return c;
  }
  static bool image_exists() {
    int rc = 0;
    sh_output("podman image exists " + tag_, &rc);
    return rc == 0;
  }
  static std::string containers_named(const std::string& id) {
    return sh_output("podman ps -a -q --filter name=cocos-" + id + "-" +
                     std::to_string(::getpid()));
  }

  static inline std::string conf_, tag_, archive_, skip_reason_;
  static inline std::unique_ptr<TempDir> dir_;
  Workspace ws_;
};

TEST_F(DockerRunner, ReadsADatasetWritesAResultAndCleansUp) {
  write_file(ws_.datasets + "/in.txt", "twelve bytes");
  Collector c;
  auto r = Runner(config()).run(
      spec("ok", {"/bin/sh", "-c",
                  "wc -c < \"$DATASETS_DIR/in.txt\" > \"$RESULTS_DIR/count.txt\" && echo ok"}),
      c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws_.results + "/count.txt"), "12\n");
  EXPECT_TRUE(c.has(Stream::kStdout, "ok")) << c.dump();
  EXPECT_EQ(containers_named("ok"), "");
  EXPECT_FALSE(image_exists());
}

TEST_F(DockerRunner, ContainerExitCodeIsHonoured) {
  Collector c;
  auto r =
      Runner(config()).run(spec("exit", {"/bin/sh", "-c", "echo failing; exit 5"}), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->exited);
  EXPECT_EQ(r->exit_code, 5) << c.dump();
  EXPECT_EQ(r->reason, "exit code 5");
  EXPECT_EQ(containers_named("exit"), "");
}

TEST_F(DockerRunner, DatasetsAreReadOnly) {
  Collector c;
  auto r = Runner(config()).run(spec("ro", {"/bin/sh", "-c", "echo x > \"$DATASETS_DIR/new\""}),
                                c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success) << c.dump();
  EXPECT_FALSE(std::filesystem::exists(ws_.datasets + "/new"));
}

TEST_F(DockerRunner, TimeoutKillsAndRemovesTheContainer) {
  RunSpec s = spec("timeout", {"/bin/sh", "-c", "echo started; sleep 30"});
  s.timeout = 2s;
  Collector c;
  auto r = Runner(config()).run(s, c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->timed_out) << r->reason << "\n" << c.dump();
  EXPECT_EQ(containers_named("timeout"), "") << c.dump();
  EXPECT_FALSE(image_exists());
}

// The engine's own limits: memory and pids as the container's cgroup (v1 or v2 paths),
// open files and file size as rlimits (the write past it fails: runc leaves SIGXFSZ ignored, so
// the writer sees EFBIG rather than the signal), and the OOM killer's first pick.
TEST_F(DockerRunner, LimitsReachTheContainer) {
  RunnerConfig cfg = config();
  cfg.limits.memory_bytes = 64ull << 20;
  cfg.limits.max_processes = 50;
  cfg.limits.open_files = 64;
  cfg.limits.file_size_bytes = 4096;
  const std::string script =
      "cat /proc/self/oom_score_adj; ulimit -n; "
      "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat "
      "/sys/fs/cgroup/memory/memory.limit_in_bytes; "
      "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; "
      "exec head -c 100000 /dev/zero > \"$RESULTS_DIR/big\"";
  Collector c;
  auto r = Runner(cfg).run(spec("limits", {"/bin/sh", "-c", script}), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success) << c.dump();
  EXPECT_TRUE(r->exited) << r->reason;
  std::vector<std::string> out;
  for (const auto& l : c.lines()) {
    if (l.stream == Stream::kStdout) out.push_back(l.text);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"1000", "64", std::to_string(64ull << 20), "50"}))
      << c.dump();
  EXPECT_LE(std::filesystem::file_size(ws_.results + "/big"), 4096u);
  EXPECT_EQ(containers_named("limits"), "");
}

TEST_F(DockerRunner, ABadImageArchiveFailsTheLoadStep) {
  write_file(ws_.work + "/image.tar", "not an image archive");
  Collector c;
  auto r = Runner(config()).run(spec("bad", {}), c.sink(), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->reason.rfind("image load failed", 0), 0u) << r->reason;
}

// The docker CLI against podman's compat API (no docker engine here): `docker run --rm` would
// report exit code 0 whatever the container did; the runner must still see the real code.
TEST_F(DockerRunner, DockerCliAgainstPodmanServiceReportsRealExitCodes) {
  if (!find_in_path("docker", {"PATH=" + std::string(::getenv("PATH"))})) {
    GTEST_SKIP() << "no docker CLI installed";
  }
  TempDir sockdir;
  std::string sock = sockdir / "podman.sock";
  ProcessSpec service;
  service.argv = {"podman", "system", "service", "--time=0", "unix://" + sock};
  for (char** e = environ; *e != nullptr; ++e) service.env.push_back(*e);
  auto svc = Process::spawn(service);  // killed (whole group) and reaped when it goes out of scope
  ASSERT_TRUE(svc.ok()) << svc.error().to_string();
  for (int i = 0; i < 1000 && !std::filesystem::exists(sock); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(std::filesystem::exists(sock)) << "podman service did not create its socket";
  ::setenv("DOCKER_HOST", ("unix://" + sock).c_str(), 1);
  RunnerConfig cfg = config();
  cfg.engine = "docker";
  Collector c;
  auto failing = Runner(cfg).run(spec("cli-exit", {"/bin/sh", "-c", "exit 7"}), c.sink(), {});
  write_file(ws_.work + "/image.tar", read_file(archive_));  // the first run consumed nothing,
  write_file(ws_.datasets + "/in.txt", "abc");               // but keep the inputs explicit
  auto working = Runner(cfg).run(
      spec("cli-ok", {"/bin/sh", "-c", "cat \"$DATASETS_DIR/in.txt\" > \"$RESULTS_DIR/copy\""}),
      c.sink(), {});
  ::unsetenv("DOCKER_HOST");
  ASSERT_TRUE(failing.ok()) << failing.error().to_string();
  EXPECT_FALSE(failing->success) << c.dump();
  EXPECT_EQ(failing->exit_code, 7) << c.dump();
  ASSERT_TRUE(working.ok()) << working.error().to_string();
  EXPECT_TRUE(working->success) << working->reason << "\n" << c.dump();
  EXPECT_EQ(read_file(ws_.results + "/copy"), "abc");
  EXPECT_EQ(containers_named("cli-exit"), "");
  EXPECT_EQ(containers_named("cli-ok"), "");
}

}  // namespace
}  // namespace cocos::runner
