// Helpers for the runner tests: temporary workspaces, files, a thread-safe log collector, and a
// /proc scan for live members of a process group.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "cocos/runner/runner.h"

namespace cocos::runner::testing {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "cocos-runner-test-XXXXXX").string();
    path_ = ::mkdtemp(t.data()) ? t : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content, int mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A computation's directories: work/, datasets/, results/ under a temp dir.
struct Workspace {
  TempDir dir;
  std::string work = dir / "work";
  std::string datasets = dir / "datasets";
  std::string results = dir / "results";
  Workspace() {
    std::filesystem::create_directories(work);
    std::filesystem::create_directories(datasets);
    std::filesystem::create_directories(results);
  }
  RunSpec spec(AlgoType type, const std::string& algorithm) const {
    RunSpec s;
    s.computation_id = "test";
    s.type = type;
    s.algorithm = algorithm;
    s.work_dir = work;
    s.datasets_dir = datasets;
    s.results_dir = results;
    return s;
  }
};

class Collector {
 public:
  LogSink sink() {
    return [this](const LogLine& l) {
      std::lock_guard<std::mutex> g(mu_);
      lines_.push_back(l);
    };
  }
  std::vector<LogLine> lines() const {
    std::lock_guard<std::mutex> g(mu_);
    return lines_;
  }
  bool has(Stream s, const std::string& text) const {
    for (const auto& l : lines()) {
      if (l.stream == s && l.text == text) return true;
    }
    return false;
  }
  std::string dump() const {
    std::string out;
    for (const auto& l : lines()) out += std::string(stream_name(l.stream)) + ": " + l.text + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<LogLine> lines_;
};

// Live (non-zombie) processes whose process group is `pgid`. Zombies are ignored: PID 1 on
// this machine class reaps orphans late, and a zombie runs nothing.
inline std::vector<int> live_group_members(int pgid) {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file(e.path().string() + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size()) continue;
    char state = stat[close + 2];
    int pgrp = std::atoi(stat.c_str() + stat.find(' ', close + 4) + 1);
    if (pgrp == pgid && state != 'Z' && state != 'X') out.push_back(std::atoi(name.c_str()));
  }
  return out;
}

// The group is gone: kill(-pgid, 0) finds nothing, or only zombies remain.
inline bool group_gone_now(int pgid) {
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return true;
  return live_group_members(pgid).empty();
}

// SIGKILL is delivered asynchronously: a member killed a moment ago may still be listed as
// running. Waits (bounded, 5 s) for the group to disappear; false if it never does.
inline bool group_gone(int pgid) {
  for (int i = 0; i < 500; ++i) {
    if (group_gone_now(pgid)) return true;
    ::usleep(10000);
  }
  return false;
}

}  // namespace cocos::runner::testing
