// RunCgroup and own_writable_cgroup: plain file operations on the cgroup2 file system.
#include "cocos/runner/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cocos/common/sys_error.h"
#include "cocos/common/unique_fd.h"

namespace cocos::runner {

namespace {

bool write_text(const std::string& file, const char* text) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  const auto n = static_cast<ssize_t>(std::strlen(text));
  return ::write(fd.get(), text, static_cast<std::size_t>(n)) == n;
}

std::vector<pid_t> pids_in(const std::string& procs_file) {
  std::vector<pid_t> out;
  std::ifstream in(procs_file);
  long pid = 0;
  while (in >> pid) out.push_back(static_cast<pid_t>(pid));
  return out;
}

// Mount point of the cgroup2 file system, from /proc/self/mountinfo.
std::optional<std::string> cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // "... mount_point options - fstype source super_options"
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, devno, root, mount_point;
    head >> id >> parent >> devno >> root >> mount_point;
    if (root == "/") return mount_point;  // a bind mount of a subtree would not be ours
  }
  return std::nullopt;
}

// This process's path in the v2 hierarchy ("0::/path" in /proc/self/cgroup).
std::optional<std::string> own_cgroup_path() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return std::nullopt;
}

}  // namespace

Result<RunCgroup> RunCgroup::create(const std::string& parent) {
  // mkdtemp creates with mode 0700, which cgroupfs accepts; the name is unique among runs.
  std::string templ = parent + "/run-XXXXXX";
  if (::mkdtemp(templ.data()) != nullptr) return RunCgroup(templ);
  // Another agent starting up removes empty agent directories (AgentRunCgroups::open), ours
  // too while we are idle: make it again.
  if (errno == ENOENT && (::mkdir(parent.c_str(), 0755) == 0 || errno == EEXIST)) {
    templ = parent + "/run-XXXXXX";
    if (::mkdtemp(templ.data()) != nullptr) return RunCgroup(templ);
  }
  return errno_error("create a cgroup in " + parent, errno);
}

RunCgroup::RunCgroup(std::string path) : path_(std::move(path)), procs_(path_ + "/cgroup.procs") {}

RunCgroup::RunCgroup(RunCgroup&& o) noexcept
    : path_(std::exchange(o.path_, {})), procs_(std::exchange(o.procs_, {})) {}

RunCgroup& RunCgroup::operator=(RunCgroup&& o) noexcept {
  if (this != &o) {
    remove();
    path_ = std::exchange(o.path_, {});
    procs_ = std::exchange(o.procs_, {});
  }
  return *this;
}

RunCgroup::~RunCgroup() {
  remove();
}

void RunCgroup::signal_all(int sig) const {
  if (path_.empty()) return;
  if (sig == SIGKILL && write_text(path_ + "/cgroup.kill", "1")) return;
  for (pid_t pid : pids_in(procs_)) ::kill(pid, sig);
}

bool RunCgroup::populated() const {
  if (path_.empty()) return false;
  std::ifstream in(path_ + "/cgroup.events");
  std::string key, value;
  while (in >> key >> value) {
    if (key == "populated") return value != "0";
  }
  return !pids_in(procs_).empty();
}

bool RunCgroup::remove() {
  if (path_.empty()) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  signal_all(SIGKILL);
  while (populated() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    signal_all(SIGKILL);  // without cgroup.kill, a fork between listing and killing
  }
  const bool removed = ::rmdir(path_.c_str()) == 0;
  if (removed) {
    path_.clear();
    procs_.clear();
  }
  return removed;
}

Result<AgentRunCgroups> AgentRunCgroups::open(const std::string& own, const std::string& key) {
  const std::string dir = own + "/cocos-agent-" + key;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return errno_error("create the cgroup " + dir, errno);
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name.rfind("run-", 0) != 0) continue;
    RunCgroup stale = RunCgroup::adopt(e.path().string());
    if (!stale.remove()) return make_error("io_error", "cannot remove the stale cgroup " + name);
  }
  if (ec) return make_error("io_error", "list the cgroup " + dir + ": " + ec.message());
  // Agents killed outright leave their (empty) directories: remove every empty one beside
  // ours. rmdir refuses a directory with a run inside, and an idle agent whose directory goes
  // makes it again for its next run (RunCgroup::create).
  for (const auto& e : std::filesystem::directory_iterator(own, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("cocos-agent-", 0) == 0 && e.path() != dir) ::rmdir(e.path().c_str());
  }
  return AgentRunCgroups(dir);
}

AgentRunCgroups& AgentRunCgroups::operator=(AgentRunCgroups&& o) noexcept {
  if (this != &o) {
    if (!path_.empty()) ::rmdir(path_.c_str());
    path_ = std::exchange(o.path_, {});
  }
  return *this;
}

AgentRunCgroups::~AgentRunCgroups() {
  if (!path_.empty()) ::rmdir(path_.c_str());  // EBUSY while a run cgroup is left: kept
}

std::optional<std::string> own_writable_cgroup() {
  const auto mount = cgroup2_mount();
  const auto own = own_cgroup_path();
  if (!mount || !own) return std::nullopt;
  std::string dir = *mount + (*own == "/" ? "" : *own);
  auto probe = RunCgroup::create(dir);
  if (!probe) return std::nullopt;
  // Joining must work too (what a spawned child does before exec): a child process tries it.
  const std::string procs = probe->procs_file();
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) ::_exit(write_text(procs, "0") ? 0 : 1);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!probe->remove() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return dir;
}

}  // namespace cocos::runner
