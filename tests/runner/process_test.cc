// Process: exit codes, signals, exec failures, timeouts and stops killing the whole group,
// rlimits, privilege drop, no-new-privs, closed fds, and the destructor's kill.
#include "cocos/runner/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "runner_test_util.h"

namespace cocos::runner {
namespace {

using namespace std::chrono_literals;
using testing::Collector;
using testing::group_gone;
using testing::TempDir;

ProcessSpec sh(const std::string& script) {
  ProcessSpec s;
  s.argv = {"/bin/sh", "-c", script};
  s.env = {"PATH=/usr/bin:/bin"};
  return s;
}

Result<ExitStatus> run(const ProcessSpec& spec, Collector& c, WaitOptions w = {}) {
  auto p = Process::spawn(spec);
  if (!p) return p.take_error();
  return p->wait(c.sink(), w);
}

TEST(Process, ReportsExitCodeAndOutput) {
  Collector c;
  auto st = run(sh("echo out; echo err >&2; exit 3"), c);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_TRUE(st->exited);
  EXPECT_EQ(st->code, 3);
  EXPECT_FALSE(st->success());
  EXPECT_EQ(st->describe(), "exit code 3");
  EXPECT_TRUE(c.has(Stream::kStdout, "out"));
  EXPECT_TRUE(c.has(Stream::kStderr, "err"));
}

TEST(Process, ReportsDeathBySignal) {
  Collector c;
  auto st = run(sh("kill -SEGV $$"), c);
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->exited);
  EXPECT_EQ(st->signal, SIGSEGV);
  EXPECT_NE(st->describe().find("SIGSEGV"), std::string::npos);
}

TEST(Process, ExecFailureIsAnError) {
  TempDir t;
  testing::write_file(t / "noexec", "#!/bin/sh\necho hi\n", 0644);
  ProcessSpec s;
  s.argv = {t / "noexec"};
  auto p = Process::spawn(s);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "spawn_failed");
  EXPECT_NE(p.error().message.find("Permission denied"), std::string::npos) << p.error().message;
  s.argv = {"no-such-program-anywhere"};
  EXPECT_FALSE(Process::spawn(s).ok());
}

TEST(Process, TimeoutKillsTheWholeGroup) {
  TempDir t;
  Collector c;
  // The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it; a
  // background child shares the group and must die too.
  auto p = Process::spawn(sh("trap '' TERM; sleep 30 & echo started; wait; sleep 30"));
  ASSERT_TRUE(p.ok());
  int pgid = p->pgid();
  WaitOptions w;
  w.timeout = 1s;
  w.grace = 500ms;
  auto st = p->wait(c.sink(), w);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->timed_out);
  EXPECT_FALSE(st->exited);
  EXPECT_EQ(st->signal, SIGKILL);
  EXPECT_TRUE(c.has(Stream::kStdout, "started"));
  EXPECT_TRUE(group_gone(pgid)) << "live members left in group " << pgid;
}

TEST(Process, StopFromAnotherThread) {
  Collector c;
  auto p = Process::spawn(sh("echo ready; sleep 30"));
  ASSERT_TRUE(p.ok());
  int pgid = p->pgid();
  Process* proc = &*p;
  std::thread stopper([&] {
    // Functional wait: stop once the child has said it is running.
    for (int i = 0; i < 2000 && !c.has(Stream::kStdout, "ready"); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    proc->request_stop();
  });
  auto st = p->wait(c.sink(), WaitOptions{});
  stopper.join();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->stopped);
  EXPECT_FALSE(st->timed_out);
  EXPECT_EQ(st->signal, SIGTERM);
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Process, StopTokenEndsTheRun) {
  Collector c;
  std::stop_source src;
  src.request_stop();  // already requested: the process is ended at once
  auto p = Process::spawn(sh("sleep 30"));
  ASSERT_TRUE(p.ok());
  WaitOptions w;
  w.stop = src.get_token();
  auto st = p->wait(c.sink(), w);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->stopped);
}

TEST(Process, LeftoverGroupMembersAreKilledAfterExit) {
  Collector c;
  auto p = Process::spawn(sh("sleep 30 >/dev/null 2>&1 & echo $!"));
  ASSERT_TRUE(p.ok());
  int pgid = p->pgid();
  auto st = p->wait(c.sink(), WaitOptions{});
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->success());
  EXPECT_TRUE(group_gone(pgid));
}

TEST(Process, LowersFileSizeLimit) {
  TempDir t;
  Collector c;
  ProcessSpec s = sh("exec head -c 100000 /dev/zero > big");
  s.cwd = t.path();
  s.limits.file_size_bytes = 4096;
  auto st = run(s, c);
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->exited);
  EXPECT_EQ(st->signal, SIGXFSZ);
  EXPECT_LE(std::filesystem::file_size(t / "big"), 4096u);
}

TEST(Process, LimitAboveTheHardLimitIsClampedNotFatal) {
  // Root here lacks CAP_SYS_RESOURCE: asking for more than the hard limit must not fail.
  rlimit cur{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &cur), 0);
  Collector c;
  ProcessSpec s = sh("ulimit -n");
  s.limits.open_files = 1ull << 40;
  auto st = run(s, c);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_TRUE(st->success()) << c.dump();
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, cur.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                                         : std::to_string(cur.rlim_max));
}

TEST(Process, DropsPrivilegesSetsNoNewPrivsAndClosesFds) {
  // An fd leaked into the parent without O_CLOEXEC must not reach the child.
  int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  int high = ::fcntl(leaked, F_DUPFD, 100);
  Collector c;
  ProcessSpec s = sh("id -u; id -g; grep NoNewPrivs /proc/self/status; ls /proc/self/fd");
  s.uid = 65534;
  s.gid = 65534;
  auto st = run(s, c);
  ::close(leaked);
  ::close(high);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->success()) << c.dump();
  auto lines = c.lines();
  ASSERT_GE(lines.size(), 3u) << c.dump();
  EXPECT_EQ(lines[0].text, "65534");
  EXPECT_EQ(lines[1].text, "65534");
  EXPECT_EQ(lines[2].text, "NoNewPrivs:\t1");
  EXPECT_FALSE(c.has(Stream::kStdout, std::to_string(high))) << c.dump();
}

TEST(Process, DestructorKillsAndReaps) {
  pid_t pid = 0;
  {
    auto p = Process::spawn(sh("sleep 30"));
    ASSERT_TRUE(p.ok());
    pid = p->pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_NE(::kill(pid, 0), 0);  // reaped by us: not even a zombie
}

}  // namespace
}  // namespace cocos::runner
