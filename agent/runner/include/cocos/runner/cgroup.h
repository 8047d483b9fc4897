// A cgroup (v2) of its own for one spawned process and everything it starts. A process group
// is left with one setsid() call; a cgroup cannot be left by an unprivileged process, so
// killing the cgroup ends every descendant: the double-forked daemon, the setsid'd sleeper.
// No controller is enabled (no limits are set here): the cgroup is used for membership only,
// which also keeps it legal beside the agent's own processes in a delegated subtree.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "cocos/common/result.h"

namespace cocos::runner {

class RunCgroup {
 public:
  // Creates "<parent>/run-XXXXXX" (parent: a cgroup v2 directory this process may write,
  // normally what agent_run_cgroups() returned). Errors: "io_error" naming the directory.
  static Result<RunCgroup> create(const std::string& parent);
  // Takes over an existing run cgroup (one a dead agent left behind), to remove() it.
  static RunCgroup adopt(std::string path) { return RunCgroup(std::move(path)); }

  RunCgroup(RunCgroup&& o) noexcept;
  RunCgroup& operator=(RunCgroup&& o) noexcept;
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  // Kills what is left and removes the directory (see remove()).
  ~RunCgroup();

  const std::string& path() const { return path_; }
  // The file a process writes "0" into to join (what the child does before exec).
  const std::string& procs_file() const { return procs_; }

  // Sends `sig` to every process inside. SIGKILL uses cgroup.kill where the kernel has it
  // (5.14+), which also catches processes forked meanwhile; otherwise, and for other signals,
  // each pid listed in cgroup.procs is signalled.
  void signal_all(int sig) const;
  // True while any process is inside (cgroup.events "populated 1").
  bool populated() const;
  // SIGKILLs everything inside, waits (at most 2 s) until it is empty and removes the
  // directory. Idempotent; a directory that stays busy is left (and reported by the return).
  bool remove();

 private:
  explicit RunCgroup(std::string path);
  std::string path_;
  std::string procs_;
};

// The parent of one agent's run cgroups: "<own>/cocos-agent-<key>", created when missing and
// removed (when empty) with this object. Move-only.
class AgentRunCgroups {
 public:
  // `key` names the agent (the agent uses a digest of its work directory, which no two agents
  // share). Run cgroups left inside by an agent that died (SIGKILL, power loss) are killed and
  // removed first: their agent is gone, since this one took its place. Empty directories of
  // other agents beside it are removed too (dead agents leave them; a live idle agent makes
  // its own again when it next runs). Errors: "io_error".
  static Result<AgentRunCgroups> open(const std::string& own, const std::string& key);

  AgentRunCgroups(AgentRunCgroups&& o) noexcept : path_(std::exchange(o.path_, {})) {}
  AgentRunCgroups& operator=(AgentRunCgroups&& o) noexcept;
  AgentRunCgroups(const AgentRunCgroups&) = delete;
  AgentRunCgroups& operator=(const AgentRunCgroups&) = delete;
  ~AgentRunCgroups();

  const std::string& path() const { return path_; }

 private:
  explicit AgentRunCgroups(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The cgroup v2 directory this process belongs to, when a cgroup2 file system is mounted
// (pure v2 at /sys/fs/cgroup or the hybrid layout's /sys/fs/cgroup/unified) and that directory
// accepts a new child cgroup (checked by creating and removing one). Where runs go by default.
std::optional<std::string> own_writable_cgroup();

}  // namespace cocos::runner
