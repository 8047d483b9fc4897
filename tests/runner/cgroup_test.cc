// RunCgroup and Process with a cgroup: a process that leaves its process group with setsid()
// outlives a group kill, but not the kill of its run's cgroup; the cgroup goes with the run.
#include "cocos/runner/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "cocos/runner/process.h"
#include "runner_test_util.h"

namespace cocos::runner {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Collector;
using testing::TempDir;

// Where runs go on this machine. Root on a system with a cgroup2 file system must get one
// (that is the agent's default setting); only other machines skip.
std::optional<std::string> cgroup_parent_or_skip() {
  auto dir = own_writable_cgroup();
  const bool cgroup2 = fs::exists("/sys/fs/cgroup/cgroup.controllers") ||
                       fs::exists("/sys/fs/cgroup/unified/cgroup.controllers");
  if (!dir && geteuid() == 0 && cgroup2) {
    ADD_FAILURE() << "root with a cgroup2 file system but no writable cgroup found";
  }
  return dir;
}

// The pid a script wrote to `file` (waits up to 5 s for it).
pid_t read_pid(const fs::path& file) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

// True when `pid` is gone or a zombie (killed; its reaper may be slow to collect it).
bool dead_now(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

// SIGKILL is delivered asynchronously: waits up to 5 s for `pid` to die.
bool dead(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (dead_now(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Runs a script whose grandchild leaves the process group (setsid), records its pid and
// lingers; the run times out after 300 ms. The Process is handed back still alive, so that a
// test can look at it before its destructor cleans up.
struct EscapeRun {
  std::optional<Process> process;
  pid_t escapee = 0;
  bool timed_out = false;
};
EscapeRun run_with_escapee(const std::string& cgroup_parent) {
  TempDir t;
  const fs::path pid_file = fs::path(t.path()) / "pid";
  ProcessSpec s;
  s.argv = {"/bin/sh", "-c",
            "setsid sh -c 'echo $$ > " + pid_file.string() +
                "; exec sleep 300' </dev/null >/dev/null 2>&1 & sleep 300"};
  s.env = {"PATH=/usr/bin:/bin"};
  s.cgroup_parent = cgroup_parent;
  EscapeRun run;
  auto p = Process::spawn(s);
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  if (!p) return run;
  run.escapee = read_pid(pid_file);
  Collector c;
  WaitOptions w;
  w.timeout = 300ms;
  w.grace = 100ms;
  auto st = p->wait(c.sink(), w);
  EXPECT_TRUE(st.ok());
  run.timed_out = st && st->timed_out;
  run.process.emplace(std::move(*p));
  return run;
}

TEST(RunCgroup, AnAgentRemovesWhatItsDeadPredecessorLeft) {
  auto own = cgroup_parent_or_skip();
  if (!own) GTEST_SKIP() << "no writable cgroup v2 directory here";
  const std::string key = "test-" + std::to_string(::getpid());
  std::string dir = *own + "/cocos-agent-" + key;
  auto parent = std::make_optional(AgentRunCgroups::open(*own, key));
  ASSERT_TRUE(parent->ok()) << parent->error().to_string();
  EXPECT_EQ((*parent)->path(), dir);
  // A run cgroup of the "dead" agent, made by hand, still with a process inside.
  const std::string stale = dir + "/run-stale";
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0);
  const pid_t sleeper = ::fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    std::ofstream(stale + "/cgroup.procs") << 0 << std::flush;
    ::execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string member;
  for (int i = 0; i < 500 && member.empty(); ++i) {
    std::ifstream(stale + "/cgroup.procs") >> member;
    if (member.empty()) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(member, std::to_string(sleeper));
  // The next agent with the same key cleans up.
  parent.reset();  // the "dead" agent's object: its directory stays, not empty
  EXPECT_TRUE(fs::exists(stale));
  // An empty directory of another agent that died.
  const std::string other = *own + "/cocos-agent-" + key + "-other";
  ASSERT_EQ(::mkdir(other.c_str(), 0755), 0);
  auto again = AgentRunCgroups::open(*own, key);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(other));
  // Had another agent removed our (idle, empty) directory, the next run makes it again.
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  {
    auto run = RunCgroup::create(dir);
    ASSERT_TRUE(run.ok()) << run.error().to_string();
    EXPECT_EQ(fs::path(run->path()).parent_path(), fs::path(dir));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(sleeper, &status, 0), sleeper);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  again = make_error("done", "");  // dropping the last object removes the empty directory
  EXPECT_FALSE(fs::exists(dir));
}

TEST(RunCgroup, CreatesAndRemovesUnderItsParent) {
  auto parent = cgroup_parent_or_skip();
  if (!parent) GTEST_SKIP() << "no writable cgroup v2 directory here";
  auto cg = RunCgroup::create(*parent);
  ASSERT_TRUE(cg.ok()) << cg.error().to_string();
  const std::string path = cg->path();
  EXPECT_EQ(fs::path(path).parent_path(), fs::path(*parent));
  EXPECT_FALSE(cg->populated());
  ASSERT_TRUE(cg->remove());
  EXPECT_FALSE(fs::exists(path));
}

TEST(RunCgroup, SetsidEscapeeDiesWithTheRunsCgroup) {
  auto parent = cgroup_parent_or_skip();
  if (!parent) GTEST_SKIP() << "no writable cgroup v2 directory here";
  EscapeRun run = run_with_escapee(*parent);
  ASSERT_GT(run.escapee, 0);
  EXPECT_TRUE(run.timed_out);
  EXPECT_TRUE(dead(run.escapee)) << "pid " << run.escapee << " left its group and survived";
  const std::string run_cgroup = run.process->cgroup();
  EXPECT_EQ(fs::path(run_cgroup).parent_path(), fs::path(*parent));
  run.process.reset();
  EXPECT_FALSE(fs::exists(run_cgroup)) << "the run's cgroup outlived its Process";
}

// The control: without a cgroup the same escapee outlives its run (why runs get one). Proves
// the check above can fail.
TEST(RunCgroup, WithoutACgroupTheEscapeeSurvivesTheGroupKill) {
  EscapeRun run = run_with_escapee("");
  ASSERT_GT(run.escapee, 0);
  EXPECT_TRUE(run.timed_out);
  std::this_thread::sleep_for(200ms);
  const bool survived = !dead_now(run.escapee);
  ::kill(run.escapee, SIGKILL);
  EXPECT_TRUE(survived);
}

}  // namespace
}  // namespace cocos::runner
