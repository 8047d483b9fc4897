// The agent's RunPort: runs the algorithm with the runner library on a worker thread, writes
// the deterministic zip of results/ (archive library) and its SHA3-256, and reports lines and
// the outcome back to the Agent through the LoopQueue (so the Agent is only touched on the loop
// thread). One run at a time; stop() requests the runner's stop (SIGTERM, then SIGKILL).
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include "cocos/agent/core/agent.h"
#include "cocos/agent/core/ports.h"
#include "cocos/archive/zip_writer.h"
#include "cocos/runner/runner.h"
#include "loop_queue.h"

namespace cocos::agent::app {

class RunWorker : public RunPort {
 public:
  // `results`: how results/ is zipped (its bounds: --max-result-files, --max-result-bytes).
  RunWorker(runner::RunnerConfig config, archive::ZipOptions results, LoopQueue& queue);
  ~RunWorker() override;
  RunWorker(const RunWorker&) = delete;
  RunWorker& operator=(const RunWorker&) = delete;

  // The Agent the reports go to; set once, before the first run.
  void set_agent(Agent* agent) { agent_ = agent; }

  Status start(const RunSpec& spec, std::uint64_t token) override;
  void stop(std::uint64_t token) override;

 private:
  static RunOutcome execute(const runner::Runner& runner, const archive::ZipOptions& results,
                            const RunSpec& spec, std::uint64_t token, LoopQueue& queue,
                            Agent* agent, std::stop_token stop);

  runner::Runner runner_;
  archive::ZipOptions results_;
  LoopQueue& queue_;
  Agent* agent_ = nullptr;
  std::jthread thread_;
  std::uint64_t token_ = 0;
};

}  // namespace cocos::agent::app
