// A child process under control: spawned in its own process group with an explicit argv,
// environment, working directory, rlimits and privileges; its stdout/stderr read as bounded log
// lines; ended by timeout or stop (SIGTERM to the whole group, SIGKILL after a grace period);
// always killed and reaped when the owner lets go.
//
// In the child, before exec: new process group; signal mask and dispositions reset; stdin from
// /dev/null; chdir; oom_score_adj (only ever raised, which needs no privilege); rlimits (only
// ever LOWERED: root here lacks CAP_SYS_RESOURCE, so a limit
// above the current hard limit is clamped to it); optional setgid/setgroups/setuid to an
// unprivileged user; PR_SET_NO_NEW_PRIVS; PR_SET_PDEATHSIG=SIGKILL (the child dies with the
// agent); every fd above 2 closed on exec. RLIMIT_NPROC is not enforced for root; it bites
// only with `uid` set.
//
// Processes that leave the group (setsid) escape the group kill. With `cgroup_parent` set the
// child also joins a cgroup of its own (RunCgroup) before exec, and every kill goes to the
// cgroup as well, so nothing it started survives it; the cgroup is removed with the Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "cocos/common/result.h"
#include "cocos/runner/cgroup.h"
#include "cocos/runner/log.h"

namespace cocos::runner {

// Each limit is off when 0.
struct ProcessLimits {
  std::uint64_t cpu_seconds = 0;          // RLIMIT_CPU
  std::uint64_t address_space_bytes = 0;  // RLIMIT_AS
  std::uint64_t file_size_bytes = 0;      // RLIMIT_FSIZE
  std::uint64_t max_processes = 0;        // RLIMIT_NPROC (per real uid; see above)
  std::uint64_t open_files = 0;           // RLIMIT_NOFILE
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] without '/' is searched in the PATH of `env`
  std::vector<std::string> env;   // the complete environment, "NAME=value"
  std::string cwd;                // empty: inherit
  ProcessLimits limits;
  std::optional<uid_t> uid;  // drop to this user (supplementary groups cleared)
  std::optional<gid_t> gid;
  std::string cgroup_parent;  // a cgroup v2 directory for the run's own cgroup ("": none)
  // Written to /proc/self/oom_score_adj before exec (-1000..1000; nullopt: inherited). A high
  // value makes the kernel's OOM killer pick this process (and what it forks, which inherits
  // it) before anything else: an algorithm that exhausts memory dies, not the agent.
  std::optional<int> oom_score_adj;
};

struct WaitOptions {
  std::chrono::milliseconds timeout{0};   // 0: none
  std::chrono::milliseconds grace{5000};  // SIGTERM -> SIGKILL
  std::chrono::milliseconds drain{2000};  // after exit: how long to wait for pipe EOF
  OutputPolicy output;
  std::stop_token stop;  // a stop request ends the process like a timeout
};

struct ExitStatus {
  bool exited = false;  // normal exit: `code` valid; otherwise killed by `signal`
  int code = 0;
  int signal = 0;
  bool timed_out = false;
  bool stopped = false;  // ended because of request_stop() or the stop token
  std::uint64_t dropped_stdout = 0;
  std::uint64_t dropped_stderr = 0;
  std::uint64_t split_lines = 0;
  bool success() const { return exited && code == 0 && !timed_out && !stopped; }
  // "exit code 3", "killed by signal 9 (SIGKILL) after timeout", "killed by signal 25
  // (SIGXFSZ: file size limit reached)", ...
  std::string describe() const;
};

class Process {
 public:
  // Errors: "spawn_failed" (fork/pipe failure, or the child could not exec: the message names
  // the step and errno, e.g. "exec /x: Permission denied").
  static Result<Process> spawn(const ProcessSpec& spec);

  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Kills the group (SIGKILL) and reaps the child if wait() has not.
  ~Process();

  pid_t pid() const;
  pid_t pgid() const;  // == pid()
  // The run's own cgroup directory ("" without one); removed when the Process goes.
  std::string cgroup() const;

  // Delivers output lines to `sink` until the child exits, then SIGKILLs what is left of its
  // group, drains the pipes and reaps it. On timeout or stop, SIGTERM to the group, SIGKILL
  // after `grace`. Call once, from one thread. Errors: "internal" (poll/wait failures).
  Result<ExitStatus> wait(const LogSink& sink, const WaitOptions& options);

  // Thread-safe, callable from any thread while wait() runs (computation.stop): ends the
  // process as a stop. Before wait() it makes wait() stop the process at once.
  void request_stop();

 private:
  struct State;
  explicit Process(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// The PATH lookup spawn() does for argv[0] (exposed for the runners' error messages).
std::optional<std::string> find_in_path(const std::string& name,
                                        const std::vector<std::string>& env);

}  // namespace cocos::runner
