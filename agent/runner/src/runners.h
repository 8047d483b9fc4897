// One function per algorithm type (internal to cocos_runner); Runner::run dispatches to them
// after checking the spec. Each returns a RunOutcome for anything the algorithm or its setup
// did, and an Error only when the run could not take place.
#pragma once

#include <stop_token>

#include "cocos/runner/runner.h"

namespace cocos::runner::detail {

Result<RunOutcome> run_bin(const RunnerConfig&, const RunSpec&, const LogSink&, std::stop_token);
Result<RunOutcome> run_python(const RunnerConfig&, const RunSpec&, const LogSink&, std::stop_token);
Result<RunOutcome> run_docker(const RunnerConfig&, const RunSpec&, const LogSink&, std::stop_token);
Result<RunOutcome> run_wasm(const RunnerConfig&, const RunSpec&, const LogSink&, std::stop_token);

// WaitOptions for the algorithm itself (the spec's timeout, the config's grace and output).
WaitOptions algorithm_wait(const RunnerConfig& config, const RunSpec& spec, std::stop_token stop);

}  // namespace cocos::runner::detail
