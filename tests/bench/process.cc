// Child process control and /proc readings for the whole-process benchmarks.
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

namespace cocos::bench {

Result<Child> Child::spawn(const std::vector<std::string>& argv, const std::string& stderr_path) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0)
    return make_error("io_error", "pipe: " + std::string(strerror(errno)));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return make_error("io_error", "fork: " + std::string(strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(p[1], STDOUT_FILENO);
    if (!stderr_path.empty()) {
      const int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) ::dup2(fd, STDERR_FILENO);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(p[1]);
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
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
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

}  // namespace cocos::bench
