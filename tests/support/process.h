// tests/support/process.h
//
// Child processes for whole-process tests and benchmarks: spawn a program (the real cocos-agent,
// or a test re-executed in a helper role), read its stdout line by line, read its memory and CPU
// figures from /proc, and always reap it (RAII: the destructor kills and waits). Also a temp dir
// that removes itself. Shared by cocos-bench and the reliability tests (cocos_test_support).
//
// Not thread-safe: create, use and destroy a Child on one thread (the one that spawned it, since
// SpawnOptions::die_with_parent is tied to that thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::test_support {

struct SpawnOptions {
  // stderr is appended to this file ("" = inherited).
  std::string log_path;
  // stdout goes to log_path too (or is inherited) instead of a pipe for read_line(): for a child
  // nobody reads, which must never block on a full pipe.
  bool stdout_to_log = false;
  // The child gets SIGKILL when the spawning thread ends (PR_SET_PDEATHSIG), so a test killed by
  // its timeout leaves no process behind even though no destructor ran.
  bool die_with_parent = false;
  // "NAME=value" entries set in the child's environment (replacing this process's value).
  std::vector<std::string> env;
};

class Child {
 public:
  // Starts argv[0] (a path) with argv; stdout is a pipe read by read_line(), stderr goes to
  // stderr_path (or is inherited when empty). Error "io_error".
  static Result<Child> spawn(const std::vector<std::string>& argv,
                             const std::string& stderr_path = "");
  // The same with every option (see SpawnOptions). Error "io_error".
  static Result<Child> spawn(const std::vector<std::string>& argv, const SpawnOptions& options);
  Child() = default;  // no process, like a moved-from Child: pid() is -1, stop() does nothing
  ~Child();
  Child(Child&& o) noexcept;
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // One line of the child's stdout without the newline; "timeout" or "closed" otherwise.
  Result<std::string> read_line(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status (waitpid's).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  // Sends `sig` without waiting (no-op once reaped), so many children can be asked to stop at
  // once before each is stop()ped: the grace periods then overlap instead of adding up.
  void signal(int sig);
  // Waits for a normal exit (no signal sent) and reaps the child; "timeout" when it is still
  // running (a zero timeout checks once without waiting), "closed" when already reaped.
  Result<int> wait(std::chrono::milliseconds timeout);

 private:
  Child(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  void reset();
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buf_;
};

// A field of /proc/<pid>/status in KiB ("VmHWM", "VmRSS"); nullopt when unreadable.
std::optional<double> proc_status_kib(pid_t pid, const std::string& field);

// CPU time (user + system) a process has used so far, from /proc/<pid>/stat; nullopt if gone.
std::optional<double> proc_cpu_seconds(pid_t pid);

// Per-thread scheduler times of a process (/proc/<pid>/task/<tid>/schedstat): seconds on a CPU
// and seconds runnable but waiting for one (run queue). Keyed "<tid> <comm>".
struct ThreadTimes {
  double cpu_s = 0;
  double runq_s = 0;
};
std::map<std::string, ThreadTimes> thread_times(pid_t pid);
// What each thread used between two readings, "comm cpu 1.23 s + runq 0.40 s, ..." (busiest
// first), so a slow transfer shows whether it was computing, waiting for a CPU, or neither
// (waiting for I/O or the peer).
std::string thread_times_delta(const std::map<std::string, ThreadTimes>& before,
                               const std::map<std::string, ThreadTimes>& after);

// Path of the running executable (/proc/self/exe), for re-executing helper roles.
std::string self_exe();

// Where temp dirs go: $TMPDIR when set and not empty, else /tmp.
std::string temp_base();

// A fresh directory under `base` (mkdtemp), removed with everything in it by the destructor.
class TempDir {
 public:
  static Result<TempDir> create(const std::string& base, const std::string& prefix);
  ~TempDir();
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace cocos::test_support
