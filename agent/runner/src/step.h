// Helpers the runners share (internal to cocos_runner): running one command to its end with
// the run's stop token, turning an ExitStatus into a RunOutcome, environments.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "cocos/runner/runner.h"

namespace cocos::runner::detail {

// The algorithm's environment: config.base_env plus DATASETS_DIR / RESULTS_DIR (and `extra`).
std::vector<std::string> algorithm_env(const RunnerConfig& config, const std::string& datasets,
                                       const std::string& results,
                                       const std::vector<std::string>& extra = {});
// The agent's own environment with `overrides` ("NAME=value") applied: for trusted tools
// (the container engine), never for algorithms.
std::vector<std::string> tool_env(const std::vector<std::string>& overrides = {});

// A ProcessSpec with what every algorithm process shares: environment, cwd, user, cgroup,
// rlimits and oom_score_adj. `address_space`: whether the memory limit becomes RLIMIT_AS (not
// for a runtime that reserves address space it never uses, like V8).
ProcessSpec algorithm_process(const RunnerConfig& config, std::vector<std::string> env,
                              const std::string& cwd, bool address_space = true);

// Runs a process to the end. Output goes to `sink` unchanged.
Result<ExitStatus> run_process(const ProcessSpec& spec, const LogSink& sink,
                               const WaitOptions& options);

// Runs a setup step (its output goes to `sink` as Stream::kAgent lines prefixed "<label>: "),
// collecting stdout lines into `captured` when given.
Result<ExitStatus> run_setup_step(const std::string& label, const ProcessSpec& spec,
                                  const RunnerConfig& config, const LogSink& sink,
                                  std::stop_token stop,
                                  std::vector<std::string>* captured = nullptr);

// success/failure, codes and reason ("<what>: exit code 3"; empty `what` for the algorithm).
RunOutcome to_outcome(const ExitStatus& st, const std::string& what = "");

// A failed outcome that never ran (spawn failed for the algorithm itself, bad image, ...).
RunOutcome failed_outcome(std::string reason);

}  // namespace cocos::runner::detail
