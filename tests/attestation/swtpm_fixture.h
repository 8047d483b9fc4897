// Test support, reusable by any test area: a unique temporary directory, a child-process
// runner, and a per-test swtpm (TPM 2.0 simulator) on a unix socket.
//
//   cocos::testing::TempDir dir;                     // removed with its contents when dropped
//   auto tpm = cocos::testing::Swtpm::start(dir.path() + "/tpm");
//   ASSERT_TRUE(tpm.ok()) << tpm.error().to_string();
//   use (*tpm)->tcti()    // "swtpm:path=<dir>/tpm/tpm.sock" for ESAPI and TPM2TOOLS_TCTI
//
// The swtpm runs `swtpm socket --tpm2 --server type=unixio,path=D/tpm.sock --ctrl
// type=unixio,path=D/tpm.sock.ctrl --tpmstate dir=D --flags not-need-init,startup-clear`. start()
// waits (bounded, 10 s) until the socket accepts a connection. The destructor (or stop()) sends
// SIGTERM, waits for the process, and escalates to SIGKILL after 5 s, so no test leaves a swtpm
// or a zombie behind. The state directory survives stop(), so start() on the same directory
// resumes the same TPM (persistent handles, seeds) as a reboot would.
//
// swtpm serves one client connection at a time: close ESAPI contexts (destroy the Attester)
// before running tpm2-tools against the same swtpm.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cocos/common/result.h"

extern char** environ;

namespace cocos::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cocos-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `argv` (PATH lookup) with `extra_env` ("NAME=value") added; returns the exit code, or -1
// if it could not be started or was killed by a signal. stdout/stderr go to the test's output.
inline int run_process(const std::vector<std::string>& argv,
                       const std::vector<std::string>& extra_env = {}) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store(extra_env);
  std::vector<char*> env;
  for (auto& e : env_store) env.push_back(e.data());
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), env.data()) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class Swtpm {
 public:
  static Result<std::unique_ptr<Swtpm>> start(const std::string& state_dir) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) return make_error("io_error", "cannot create " + state_dir);
    std::unique_ptr<Swtpm> t(new Swtpm(state_dir));
    std::filesystem::remove(t->socket_, ec);
    std::filesystem::remove(t->socket_ + ".ctrl", ec);
    std::vector<std::string> argv = {"swtpm",
                                     "socket",
                                     "--tpm2",
                                     "--server",
                                     "type=unixio,path=" + t->socket_,
                                     "--ctrl",
                                     "type=unixio,path=" + t->socket_ + ".ctrl",
                                     "--tpmstate",
                                     "dir=" + state_dir,
                                     "--flags",
                                     "not-need-init,startup-clear"};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&t->pid_, "swtpm", nullptr, nullptr, args.data(), environ) != 0) {
      t->pid_ = -1;
      return make_error("io_error", "cannot start swtpm (is it installed?)");
    }
    // Poll until the socket accepts a connection (5-10 ms normally; bounded at 10 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!t->accepts()) {
      int status = 0;
      if (::waitpid(t->pid_, &status, WNOHANG) == t->pid_) {
        t->pid_ = -1;
        return make_error("io_error", "swtpm exited during start-up");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return make_error("timeout", "swtpm socket " + t->socket_ + " never became ready");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return t;
  }

  ~Swtpm() { stop(); }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  std::string tcti() const { return "swtpm:path=" + socket_; }
  const std::string& state_dir() const { return dir_; }
  // Runs a tpm2-tools command against this swtpm; returns its exit code.
  int tool(std::vector<std::string> argv) const {
    return run_process(argv, {"TPM2TOOLS_TCTI=" + tcti()});
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
  }

 private:
  explicit Swtpm(std::string dir) : dir_(std::move(dir)), socket_(dir_ + "/tpm.sock") {}

  // A connect that succeeds proves swtpm listens; we close it at once (swtpm then serves the
  // next client).
  bool accepts() const {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_.size() >= sizeof(addr.sun_path)) {
      ::close(fd);
      return false;
    }
    socket_.copy(addr.sun_path, socket_.size());
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace cocos::testing
