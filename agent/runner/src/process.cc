// fork/exec with an error pipe (so exec failures come back as errors, not as exit 127), and a
// poll loop over the output pipes, a pidfd (exit) and an eventfd (stop requests). The leader is
// observed through its pidfd but reaped only after the group is killed: while it is an
// unreaped zombie its pid, and so the group id, cannot be reused, so kill(-pgid) never hits a
// stranger.
#include "cocos/runner/process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace cocos::runner {

namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct ChildFailure {
  int step;
  int err;
};
constexpr std::array<const char*, 12> kStepNames = {
    "setpgid", "dup2",         "chdir", "setrlimit", "setgroups",   "setgid",
    "setuid",  "no_new_privs", "exec",  "signals",   "join cgroup", "oom_score_adj"};

[[noreturn]] void child_fail(int fd, int step) {
  ChildFailure f{step, errno};
  ssize_t ignored = ::write(fd, &f, sizeof f);
  (void)ignored;
  ::_exit(127);
}

struct PlannedLimit {
  int resource;
  rlimit value;
};

// Clamp to the current hard limit: lowering is always allowed, raising is not (no
// CAP_SYS_RESOURCE), so a request above the hard limit means "keep the hard limit".
std::vector<PlannedLimit> plan_limits(const ProcessLimits& l) {
  std::vector<PlannedLimit> out;
  auto add = [&](int res, std::uint64_t want) {
    if (want == 0) return;
    rlimit cur{};
    if (::getrlimit(res, &cur) != 0) return;
    rlim_t v = static_cast<rlim_t>(want);
    if (cur.rlim_max != RLIM_INFINITY) v = std::min(v, cur.rlim_max);
    out.push_back({res, rlimit{v, v}});
  };
  add(RLIMIT_CPU, l.cpu_seconds);
  add(RLIMIT_AS, l.address_space_bytes);
  add(RLIMIT_FSIZE, l.file_size_bytes);
  add(RLIMIT_NPROC, l.max_processes);
  add(RLIMIT_NOFILE, l.open_files);
  return out;
}

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      return e.substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> find_in_path(const std::string& name,
                                        const std::vector<std::string>& env) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return name;
  std::string path = env_value(env, "PATH");
  if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(cand.c_str(), X_OK) == 0) {
      return cand;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string ExitStatus::describe() const {
  std::string s;
  if (exited) {
    s = "exit code " + std::to_string(code);
  } else {
    const char* name = ::sigabbrev_np(signal);
    // The signals the kernel sends when an rlimit is exceeded say which limit it was.
    const char* why = signal == SIGXFSZ   ? ": file size limit reached"
                      : signal == SIGXCPU ? ": CPU time limit reached"
                                          : "";
    s = "killed by signal " + std::to_string(signal) +
        (name ? std::string(" (SIG") + name + why + ")" : "");
  }
  if (timed_out) s += " after timeout";
  if (stopped) s += " on stop request";
  return s;
}

struct Process::State {
  pid_t pid = -1;
  int pidfd = -1;
  int out = -1;
  int err = -1;
  int wake = -1;
  std::atomic<bool> stop_requested{false};
  bool reaped = false;
  std::optional<RunCgroup> cgroup;  // removed (after a last SIGKILL) when the State goes

  // The process group, and the cgroup when there is one (which setsid cannot leave).
  void signal_all(int sig) const {
    ::kill(-pid, sig);
    if (cgroup) cgroup->signal_all(sig);
  }

  ~State() {
    if (pid > 0 && !reaped) {
      signal_all(SIGKILL);
      ::kill(pid, SIGKILL);
      int st = 0;
      while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    }
    close_fd(pidfd);
    close_fd(out);
    close_fd(err);
    close_fd(wake);
  }
};

Process::Process(std::unique_ptr<State> s) : s_(std::move(s)) {}
Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&&) noexcept = default;
Process::~Process() = default;
pid_t Process::pid() const {
  return s_->pid;
}
pid_t Process::pgid() const {
  return s_->pid;
}
std::string Process::cgroup() const {
  return s_->cgroup ? s_->cgroup->path() : std::string();
}

void Process::request_stop() {
  s_->stop_requested.store(true);
  std::uint64_t one = 1;
  ssize_t ignored = ::write(s_->wake, &one, sizeof one);
  (void)ignored;
}

Result<Process> Process::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) return make_error("spawn_failed", "empty argv");
  auto path = find_in_path(spec.argv[0], spec.env);
  if (!path) return make_error("spawn_failed", "not found in PATH: " + spec.argv[0]);
  // Everything the child needs is prepared here: after fork only async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<PlannedLimit> limits = plan_limits(spec.limits);
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  const std::string oom_adj = spec.oom_score_adj ? std::to_string(*spec.oom_score_adj) : "";

  auto state = std::make_unique<State>();
  if (!spec.cgroup_parent.empty()) {
    auto cg = RunCgroup::create(spec.cgroup_parent);
    if (!cg) return make_error("spawn_failed", cg.error().message);
    state->cgroup.emplace(std::move(*cg));
  }
  const char* cgroup_procs = state->cgroup ? state->cgroup->procs_file().c_str() : nullptr;
  int out[2], err[2], report[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return make_error("spawn_failed", std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    return make_error("spawn_failed", std::strerror(errno));
  }
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]), ::close(err[0]), ::close(err[1]);
    return make_error("spawn_failed", std::strerror(errno));
  }
  state->out = out[0];
  state->err = err[0];
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  state->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  pid_t pid = ::fork();
  if (pid == 0) {
    int rep = report[1];
    if (::setpgid(0, 0) != 0) child_fail(rep, 0);
    if (cgroup_procs != nullptr) {  // first, so that everything after is contained
      const int fd = ::open(cgroup_procs, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) child_fail(rep, 10);
      ::close(fd);
    }
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) child_fail(rep, 9);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for some: fine
    if (::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) {
      child_fail(rep, 1);
    }
    if (cwd != nullptr && ::chdir(cwd) != 0) child_fail(rep, 2);
    if (!oom_adj.empty()) {  // before the privilege drop: the file belongs to root
      const int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      const auto len = static_cast<ssize_t>(oom_adj.size());
      if (fd < 0 || ::write(fd, oom_adj.data(), oom_adj.size()) != len) child_fail(rep, 11);
      ::close(fd);
    }
    for (const auto& l : limits) {
      if (::setrlimit(static_cast<__rlimit_resource>(l.resource), &l.value) != 0) {
        child_fail(rep, 3);
      }
    }
    if (spec.gid || spec.uid) {
      if (::setgroups(0, nullptr) != 0) child_fail(rep, 4);
      if (spec.gid && ::setgid(*spec.gid) != 0) child_fail(rep, 5);
      if (spec.uid && ::setuid(*spec.uid) != 0) child_fail(rep, 6);
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(rep, 7);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // Every inherited fd above 2 (including other threads' fds without O_CLOEXEC) goes at exec;
    // the report pipe stays open until then so exec failures can be written to it.
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execve(path->c_str(), argv.data(), envp.data());
    child_fail(rep, 8);
  }
  int fork_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  ::close(report[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(report[0]);
    return make_error("spawn_failed", std::string("fork: ") + std::strerror(fork_errno));
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before we signal it
  state->pid = pid;
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(report[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    state->reaped = true;
    std::string step = failure.step >= 0 && failure.step < static_cast<int>(kStepNames.size())
                           ? kStepNames[static_cast<std::size_t>(failure.step)]
                           : "setup";
    std::string what = step == "exec" ? "exec " + *path : step;
    return make_error("spawn_failed", what + ": " + std::strerror(failure.err));
  }
  // glibc 2.36 declares pidfd_open without C linkage in C++; use the syscall.
  state->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  ::fcntl(state->out, F_SETFL, O_NONBLOCK);
  ::fcntl(state->err, F_SETFL, O_NONBLOCK);
  if (state->pidfd < 0 || state->wake < 0) {
    return make_error("spawn_failed", std::string("pidfd/eventfd: ") + std::strerror(errno));
  }
  return Process(std::move(state));
}

Result<ExitStatus> Process::wait(const LogSink& sink, const WaitOptions& options) {
  State& s = *s_;
  if (s.reaped) return make_error("internal", "process already reaped");
  ExitStatus result;
  LineAssembler out_lines(Stream::kStdout, options.output, sink);
  LineAssembler err_lines(Stream::kStderr, options.output, sink);
  std::optional<Clock::time_point> deadline, kill_at, drain_until;
  if (options.timeout.count() > 0) deadline = Clock::now() + options.timeout;
  bool exited = false, terminating = false, killed = false;

  auto begin_terminate = [&] {
    terminating = true;
    if (options.grace.count() <= 0) {
      s.signal_all(SIGKILL);
      killed = true;
    } else {
      s.signal_all(SIGTERM);
      kill_at = Clock::now() + options.grace;
    }
  };
  std::stop_callback on_stop(options.stop, [this] { request_stop(); });

  auto pump = [&](int& fd, LineAssembler& lines) {
    char buf[65536];
    while (fd >= 0) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        lines.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      lines.finish();  // EOF or error
      close_fd(fd);
    }
  };

  while (true) {
    auto now = Clock::now();
    if (exited && ((s.out < 0 && s.err < 0) || (drain_until && now >= *drain_until))) break;
    if (!exited && !terminating && s.stop_requested.load()) {
      result.stopped = true;
      begin_terminate();
    }
    if (!exited && !terminating && deadline && now >= *deadline) {
      result.timed_out = true;
      begin_terminate();
    }
    if (!exited && terminating && !killed && kill_at && now >= *kill_at) {
      s.signal_all(SIGKILL);
      killed = true;
    }
    std::optional<Clock::time_point> next;
    auto consider = [&](const std::optional<Clock::time_point>& t) {
      if (t && (!next || *t < *next)) next = t;
    };
    if (!exited && !terminating) consider(deadline);
    if (!exited && terminating && !killed) consider(kill_at);
    if (exited) consider(drain_until);
    int timeout_ms = -1;
    if (next) {
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 60000));
    }
    std::array<pollfd, 4> fds{};
    nfds_t nfds = 0;
    auto add = [&](int fd) {
      if (fd >= 0) fds[nfds++] = pollfd{fd, POLLIN, 0};
    };
    add(s.out);
    add(s.err);
    if (!exited) add(s.pidfd);
    add(s.wake);
    int rc = ::poll(fds.data(), nfds, timeout_ms);
    if (rc < 0 && errno != EINTR)
      return make_error("internal", std::string("poll: ") + std::strerror(errno));
    if (rc <= 0) continue;
    for (nfds_t i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      if (fd == s.out) {
        pump(s.out, out_lines);
      } else if (fd == s.err) {
        pump(s.err, err_lines);
      } else if (fd == s.wake) {
        std::uint64_t v;
        ssize_t ignored = ::read(s.wake, &v, sizeof v);
        (void)ignored;
      } else if (fd == s.pidfd) {
        exited = true;
        // Whatever the leader left running in its group goes now; its output so far is in
        // the pipes, read below until EOF (or `drain` if something outside holds them).
        s.signal_all(SIGKILL);
        drain_until = Clock::now() + options.drain;
      }
    }
  }
  if (s.out >= 0) {
    out_lines.finish();
    close_fd(s.out);
  }
  if (s.err >= 0) {
    err_lines.finish();
    close_fd(s.err);
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(s.pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  s.reaped = true;
  if (r < 0) return make_error("internal", std::string("waitpid: ") + std::strerror(errno));
  result.exited = WIFEXITED(status);
  result.code = result.exited ? WEXITSTATUS(status) : 0;
  result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result.dropped_stdout = out_lines.dropped_total();
  result.dropped_stderr = err_lines.dropped_total();
  result.split_lines = out_lines.split_lines() + err_lines.split_lines();
  return result;
}

}  // namespace cocos::runner
