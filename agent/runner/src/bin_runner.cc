// bin: the uploaded file is made executable and run directly in the work directory.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "runners.h"
#include "step.h"

namespace cocos::runner::detail {

Result<RunOutcome> run_bin(const RunnerConfig& config, const RunSpec& spec, const LogSink& sink,
                           std::stop_token stop) {
  if (::chmod(spec.algorithm.c_str(), 0755) != 0) {
    return make_error("io_error", "chmod " + spec.algorithm + ": " + std::strerror(errno));
  }
  ProcessSpec p = algorithm_process(
      config, algorithm_env(config, spec.datasets_dir, spec.results_dir, {"HOME=" + spec.work_dir}),
      spec.work_dir);
  p.argv.push_back(spec.algorithm);
  p.argv.insert(p.argv.end(), spec.args.begin(), spec.args.end());
  auto st = run_process(p, sink, algorithm_wait(config, spec, std::move(stop)));
  if (!st) {
    // The algorithm itself could not be executed (bad format, ...): a failed run, not an
    // agent error.
    if (st.error().code == "spawn_failed") return failed_outcome(st.error().message);
    return st.take_error();
  }
  return to_outcome(*st);
}

}  // namespace cocos::runner::detail
