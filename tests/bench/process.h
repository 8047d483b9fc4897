// Child processes for whole-process measurements: spawn a program (the real cocos-agent, or
// this bench re-executed in a helper role), read its stdout line by line, read its memory
// figures from /proc, and always reap it (RAII: the destructor kills and waits).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::bench {

class Child {
 public:
  // Starts argv[0] (a path) with argv; stdout is a pipe read by read_line(), stderr goes to
  // stderr_path (or is inherited when empty). Error "io_error".
  static Result<Child> spawn(const std::vector<std::string>& argv,
                             const std::string& stderr_path = "");
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
  // Waits for a normal exit (no signal sent); "timeout" when it is still running.
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

}  // namespace cocos::bench
