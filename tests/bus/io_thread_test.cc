// bus::use_realtime_io_threads: the I/O thread libzmq starts really runs under SCHED_FIFO when
// the process may use it, and a process that may not gets "permission_denied" and a working
// context under the normal policy (libzmq itself would abort the process).
#include "cocos/bus/io_thread.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace cocos::bus {
namespace {

std::set<int> thread_ids() {
  std::set<int> ids;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task"))
    ids.insert(std::stoi(t.path().filename().string()));
  return ids;
}

std::string thread_name(int tid) {
  std::ifstream comm("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string n;
  std::getline(comm, n);
  return n;
}

// Scheduling policy of the thread named `name` that is not in `before` (libzmq names its
// threads right after starting them, so this waits for the name, at most 5 s).
std::optional<int> policy_of_new_thread(const std::set<int>& before, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    for (int tid : thread_ids()) {
      if (!before.contains(tid) && thread_name(tid) == name) return sched_getscheduler(tid);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

TEST(RealtimeIoThreads, PriorityOutsideTheRangeIsRefused) {
  zmq::context_t ctx;
  EXPECT_EQ(use_realtime_io_threads(ctx, 0).error().code, "bad_argument");
  EXPECT_EQ(use_realtime_io_threads(ctx, 100).error().code, "bad_argument");
}

TEST(RealtimeIoThreads, IoThreadRunsUnderFifoWhenPermitted) {
  zmq::context_t ctx;
  const auto st = use_realtime_io_threads(ctx, 1);
  if (!st) {
    // Only a process without CAP_SYS_NICE and RLIMIT_RTPRIO may get this answer.
    ASSERT_EQ(st.error().code, "permission_denied") << st.error().to_string();
    rlimit rt{};
    ASSERT_EQ(getrlimit(RLIMIT_RTPRIO, &rt), 0);
    EXPECT_NE(geteuid(), 0u) << st.error().to_string();
    GTEST_SKIP() << "SCHED_FIFO not permitted for this test process: " << st.error().message;
  }
  const auto before = thread_ids();
  zmq::socket_t s(ctx, zmq::socket_type::pub);  // libzmq starts its threads here
  s.bind("tcp://127.0.0.1:*");
  EXPECT_EQ(policy_of_new_thread(before, "ZMQbg/IO/0"), SCHED_FIFO);
  EXPECT_EQ(policy_of_new_thread(before, "ZMQbg/Reaper"), SCHED_FIFO);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // the caller's thread is left alone
}

TEST(RealtimeIoThreads, UnprivilegedProcessKeepsAWorkingContext) {
  // In a child: no real-time budget and, when root, no capabilities (another uid).
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit none{0, 0};
    if (setrlimit(RLIMIT_RTPRIO, &none) != 0) _exit(10);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(11);
    zmq::context_t ctx;
    const auto st = use_realtime_io_threads(ctx, 1);
    if (st || st.error().code != "permission_denied") _exit(12);
    const auto before = thread_ids();
    zmq::socket_t s(ctx, zmq::socket_type::pub);
    s.bind("tcp://127.0.0.1:*");
    const auto policy = policy_of_new_thread(before, "ZMQbg/IO/0");
    if (!policy) _exit(13);
    if (*policy != SCHED_OTHER) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 rlimit, 11 setuid, 12 answer, 13 threads, 14 policy";
}

}  // namespace
}  // namespace cocos::bus
