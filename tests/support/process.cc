// Child process control and /proc readings for whole-process tests and benchmarks.
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace cocos::test_support {

Result<Child> Child::spawn(const std::vector<std::string>& argv, const std::string& stderr_path) {
  SpawnOptions o;
  o.log_path = stderr_path;
  return spawn(argv, o);
}

Result<Child> Child::spawn(const std::vector<std::string>& argv, const SpawnOptions& o) {
  if (argv.empty()) return make_error("io_error", "spawn: empty argv");
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto overridden = std::any_of(o.env.begin(), o.env.end(), [&](const std::string& x) {
      const auto eq = x.find('=');
      return entry.substr(0, entry.find('=')) == std::string_view(x).substr(0, eq);
    });
    if (!overridden) env_strings.emplace_back(entry);
  }
  env_strings.insert(env_strings.end(), o.env.begin(), o.env.end());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  int log_fd = -1;
  if (!o.log_path.empty()) {
    log_fd = ::open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) return make_error("io_error", o.log_path + ": " + strerror(errno));
  }
  int p[2] = {-1, -1};
  if (!o.stdout_to_log && ::pipe2(p, O_CLOEXEC) != 0) {
    const int err = errno;
    if (log_fd >= 0) ::close(log_fd);
    return make_error("io_error", "pipe: " + std::string(strerror(err)));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {p[0], p[1], log_fd}) {
      if (fd >= 0) ::close(fd);
    }
    return make_error("io_error", "fork: " + std::string(strerror(err)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (o.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent already died before prctl
    }
    if (!o.stdout_to_log) {
      ::dup2(p[1], STDOUT_FILENO);
    } else if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
    }
    if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (p[1] >= 0) ::close(p[1]);
  return Child(pid, p[0]);
}

Child::~Child() {
  reset();
}

Child::Child(Child&& o) noexcept : pid_(o.pid_), out_fd_(o.out_fd_), buf_(std::move(o.buf_)) {
  o.pid_ = -1;
  o.out_fd_ = -1;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    reset();
    pid_ = o.pid_;
    out_fd_ = o.out_fd_;
    buf_ = std::move(o.buf_);
    o.pid_ = -1;
    o.out_fd_ = -1;
  }
  return *this;
}

void Child::reset() {
  if (pid_ > 0) stop(std::chrono::milliseconds(2000));
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
}

Result<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    if (out_fd_ < 0) return make_error("closed", "child stdout closed");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{out_fd_, POLLIN, 0};
    // Polls at least once, so a zero timeout still takes what is already there.
    const int r = ::poll(&pfd, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (r < 0 && errno != EINTR) return make_error("io_error", strerror(errno));
    if (r <= 0) {
      if (left.count() <= 0) return make_error("timeout", "no line from child");
      continue;
    }
    char tmp[4096];
    const ssize_t n = ::read(out_fd_, tmp, sizeof tmp);
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      continue;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
  }
}

void Child::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Child::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

Result<int> Child::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return make_error("closed", "no child");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {  // checks at least once, so a zero timeout asks "has it exited?"
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return make_error("timeout", "child still running");
}

std::optional<double> proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtod(line.c_str() + field.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

namespace {

std::optional<double> stat_cpu_seconds(const std::string& stat_path) {
  std::ifstream f(stat_path);
  std::string stat;
  if (!std::getline(f, stat)) return std::nullopt;
  // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string tok; rest >> tok && fields.size() < 13;) fields.push_back(tok);
  if (fields.size() < 13) return std::nullopt;
  const double ticks = std::strtod(fields[11].c_str(), nullptr) +  // utime (field 14)
                       std::strtod(fields[12].c_str(), nullptr);   // stime (field 15)
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<double> proc_cpu_seconds(pid_t pid) {
  return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat");
}

std::map<std::string, ThreadTimes> thread_times(pid_t pid) {
  std::map<std::string, ThreadTimes> out;
  std::error_code ec;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  for (std::filesystem::directory_iterator it(task, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string dir = it->path().string();
    std::ifstream comm(dir + "/comm");
    std::string name;
    std::getline(comm, name);
    std::ifstream sched(dir + "/schedstat");
    double cpu_ns = 0, runq_ns = 0;
    if (sched >> cpu_ns >> runq_ns) {
      out[it->path().filename().string() + " " + name] = {cpu_ns / 1e9, runq_ns / 1e9};
    }
  }
  return out;
}

std::string thread_times_delta(const std::map<std::string, ThreadTimes>& before,
                               const std::map<std::string, ThreadTimes>& after) {
  struct Row {
    double cpu, runq;
    std::string name;
  };
  std::vector<Row> rows;
  for (const auto& [k, v] : after) {
    auto b = before.find(k);
    const ThreadTimes was = b == before.end() ? ThreadTimes{} : b->second;
    const Row row{v.cpu_s - was.cpu_s, v.runq_s - was.runq_s, k.substr(k.find(' ') + 1)};
    if (row.cpu >= 0.005 || row.runq >= 0.005) rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.cpu > y.cpu; });
  std::string s;
  char buf[128];
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%s%s cpu %.2f s + runq %.2f s", s.empty() ? "" : ", ",
                  r.name.c_str(), r.cpu, r.runq);
    s += buf;
  }
  return s.empty() ? "none" : s;
}

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string temp_base() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::string(t) : std::string("/tmp");
}

Result<TempDir> TempDir::create(const std::string& base, const std::string& prefix) {
  std::string tmpl = base + "/" + prefix + "XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return make_error("io_error", "mkdtemp " + tmpl + ": " + strerror(errno));
  }
  return TempDir(tmpl);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace cocos::test_support
