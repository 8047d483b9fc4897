// Algorithm runners: run one computation's algorithm (bin, python, docker, wasm) with its
// datasets and results directories, a timeout, a stop, bounded output, and report how it ended.
//
// Every type sets DATASETS_DIR and RESULTS_DIR for the algorithm (host paths for bin/python;
// the container / WASI guest paths for docker/wasm). The algorithm gets a minimal environment
// (RunnerConfig::base_env + those two), never the agent's own. A non-zero exit, a signal, a
// timeout or a stop is a failure (RunOutcome::success false, with the exit code or signal and a
// reason); setup failures (venv, pip, image load) are failures too, with the step in `reason`.
//
//  bin:    chmod 0755 the algorithm, exec it with args, cwd = work_dir.
//  python: `<python> -m venv --without-pip <work_dir>/venv`; `<python> -m pip --python
//          venv/bin/python install <pip_options> -r <requirements>` when a requirements file is
//          given (or the venv's own pip: venv_with_pip); `venv/bin/python -u <algorithm>
//          <args>`; the venv is removed afterwards.
//  docker: `<engine> load -i <algorithm>` (docker-archive or OCI archive; exactly one image);
//          `<engine> run --name <unique> --pull=never --network none (unless spec.network)
//          --oom-score-adj N [--memory N --memory-swap N] [--pids-limit N] [--ulimit fsize=N:N
//          --ulimit nofile=N:N --ulimit nproc=N:N (1024 and 4096 unless set)] <container_args> -v
//          datasets:<c_datasets>:ro -v results:<c_results> -e DATASETS_DIR=.. -e RESULTS_DIR=..
//          <image> <args>` without
//          --rm (docker's CLI against podman returns 0 with --rm), then the exit code is read
//          with `inspect`; the container and the image are removed afterwards, also on timeout
//          and stop. CONTAINERS_CONF is set for podman (see containers.conf next to this file).
//  wasm:   `wasm_command` with placeholders expanded; default: node run-wasi.mjs (preview1,
//          preopens /cocos/datasets and /cocos/results, guest exit code returned, 134 on a trap,
//          symlink and hard-link creation refused, the datasets preopen read-only).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "cocos/common/result.h"
#include "cocos/runner/log.h"
#include "cocos/runner/process.h"

namespace cocos::runner {

enum class AlgoType { kBin, kPython, kDocker, kWasm };
// "bin", "python", "docker", "wasm" (exactly; "bad_manifest" otherwise).
Result<AlgoType> parse_algo_type(std::string_view s);
std::string_view algo_type_name(AlgoType t);

struct RunSpec {
  std::string computation_id;  // names the container; any characters (sanitised)
  AlgoType type = AlgoType::kBin;
  std::string algorithm;  // the uploaded file (binary, script, image archive or module)
  std::vector<std::string> args;
  std::string work_dir;             // cwd of the algorithm; python's venv lives here
  std::string datasets_dir;         // must exist
  std::string results_dir;          // must exist; what the algorithm writes here is the result
  std::string requirements;         // python only; empty: none
  std::chrono::seconds timeout{0};  // the algorithm's run time; 0: none
  bool network = false;             // docker: default network instead of --network none
};

// What one algorithm may use, set by the agent's operator (--run-*-max). Each is off when 0.
// bin/python (every process, setup steps included) and wasm's runtime get them as rlimits of
// each process; docker as the engine's own limits.
struct RunLimits {
  // bin/python: RLIMIT_AS (address space, so threads' stacks and arenas count too); wasm with
  // the default runtime: each linear memory, in whole 64 KiB pages (node
  // --wasm-max-mem-pages; RLIMIT_AS would break V8, which reserves far more address space
  // than it uses); a custom wasm_command: not applied (the run says so); docker: --memory
  // with --memory-swap equal to it (no swap beyond it).
  std::uint64_t memory_bytes = 0;
  // Largest file the algorithm may write: RLIMIT_FSIZE (SIGXFSZ beyond it); docker --ulimit.
  std::uint64_t file_size_bytes = 0;
  // RLIMIT_NPROC: counted per user and not enforced for root, so it bites only with
  // RunnerConfig::uid set; docker --pids-limit (always).
  std::uint64_t max_processes = 0;
  std::uint64_t open_files = 0;  // RLIMIT_NOFILE; docker --ulimit nofile
};

struct RunOutcome {
  bool success = false;
  bool exited = false;  // `exit_code` is valid
  int exit_code = 0;
  int signal = 0;
  bool timed_out = false;
  bool stopped = false;
  std::string reason;  // empty on success; "exit code 3", "pip install failed: exit code 1", ...
  std::uint64_t dropped_stdout = 0;
  std::uint64_t dropped_stderr = 0;
};

struct RunnerConfig {
  // Environment of every algorithm process (plus DATASETS_DIR, RESULTS_DIR).
  std::vector<std::string> base_env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"};
  std::optional<uid_t> uid;  // run bin/python/wasm algorithms as this user
  std::optional<gid_t> gid;
  RunLimits limits;
  // oom_score_adj of every algorithm process (bin/python/wasm, and docker's container): the
  // kernel's OOM killer takes the algorithm first, never the agent. nullopt: inherited.
  std::optional<int> oom_score_adj = 1000;
  // bin/python/wasm processes each get a cgroup of their own under this cgroup v2 directory, so
  // that nothing they start outlives the run ("": process group only; own_writable_cgroup()).
  // Not for docker: the engine puts containers in cgroups of its own.
  std::string cgroup_parent;
  OutputPolicy output;
  std::chrono::milliseconds grace{5000};    // SIGTERM -> SIGKILL
  std::chrono::seconds setup_timeout{900};  // each setup step (venv, pip, load)

  std::string python = "python3";        // interpreter that creates the venv
  std::vector<std::string> pip_options;  // e.g. {"--no-index", "--find-links", "/wheels"}
  // false: `venv --without-pip`, then `<python> -m pip --python venv/bin/python install` (needs
  // pip >= 22.3 for the base interpreter; fast). true: the venv gets its own pip (ensurepip,
  // slow) and installs with it.
  bool venv_with_pip = false;

  std::string engine = "podman";  // "podman" or "docker" (CLI)
  std::string containers_conf;    // podman: CONTAINERS_CONF; empty: the
                                  // containers.conf next to the executable, if any
  std::string container_datasets = "/cocos/datasets";
  std::string container_results = "/cocos/results";
  std::vector<std::string> container_args = {"--security-opt=no-new-privileges", "--cap-drop=ALL"};

  // WASI runtime command. Placeholders: {script} (the run-wasi.mjs path), {module},
  // {datasets}, {results} (host dirs), {args} (expands to the algorithm args). Empty: node.
  std::vector<std::string> wasm_command;
  std::string wasi_script;  // empty: run-wasi.mjs next to the executable
};

class Runner {
 public:
  explicit Runner(RunnerConfig config);

  // Runs the algorithm to the end (blocking); `sink` gets its output (setup steps' output as
  // Stream::kAgent lines). `stop` ends it like a timeout (computation.stop).
  // Errors (the run did not happen): "bad_spec" (missing algorithm or directories),
  // "spawn_failed"/"internal" (a tool could not be started at all, e.g. podman not installed).
  Result<RunOutcome> run(const RunSpec& spec, const LogSink& sink, std::stop_token stop) const;

  const RunnerConfig& config() const { return config_; }

 private:
  RunnerConfig config_;
};

// Directory of the running executable (for files installed next to it), "" if unknown.
std::string executable_dir();

}  // namespace cocos::runner
