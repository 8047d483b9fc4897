// Runner::run: spec checks shared by every type, then dispatch.
#include "cocos/runner/runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "runners.h"

namespace cocos::runner {

Result<AlgoType> parse_algo_type(std::string_view s) {
  if (s == "bin") return AlgoType::kBin;
  if (s == "python") return AlgoType::kPython;
  if (s == "docker") return AlgoType::kDocker;
  if (s == "wasm") return AlgoType::kWasm;
  return make_error("bad_manifest", "unknown algorithm type: " + std::string(s));
}

std::string_view algo_type_name(AlgoType t) {
  switch (t) {
    case AlgoType::kBin:
      return "bin";
    case AlgoType::kPython:
      return "python";
    case AlgoType::kDocker:
      return "docker";
    case AlgoType::kWasm:
      return "wasm";
  }
  return "bin";
}

std::string executable_dir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

Runner::Runner(RunnerConfig config) : config_(std::move(config)) {}

namespace {
bool is_dir(const std::string& p) {
  struct stat st {};
  return !p.empty() && ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
}  // namespace

Result<RunOutcome> Runner::run(const RunSpec& in, const LogSink& sink, std::stop_token stop) const {
  namespace fs = std::filesystem;
  RunSpec spec = in;
  std::error_code ec;
  // Absolute paths: the algorithm runs elsewhere (its cwd, or a container).
  for (std::string* p : {&spec.algorithm, &spec.work_dir, &spec.datasets_dir, &spec.results_dir,
                         &spec.requirements}) {
    if (!p->empty()) *p = fs::absolute(*p, ec).lexically_normal().string();
  }
  struct stat st {};
  if (spec.algorithm.empty() || ::stat(spec.algorithm.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return make_error("bad_spec", "algorithm is not a file: '" + spec.algorithm + "'");
  }
  if (!is_dir(spec.work_dir)) return make_error("bad_spec", "no work directory: " + spec.work_dir);
  if (!is_dir(spec.datasets_dir)) {
    return make_error("bad_spec", "no datasets directory: " + spec.datasets_dir);
  }
  if (!is_dir(spec.results_dir)) {
    return make_error("bad_spec", "no results directory: " + spec.results_dir);
  }
  if (!spec.requirements.empty() &&
      (::stat(spec.requirements.c_str(), &st) != 0 || !S_ISREG(st.st_mode))) {
    return make_error("bad_spec", "requirements is not a file: '" + spec.requirements + "'");
  }
  switch (spec.type) {
    case AlgoType::kBin:
      return detail::run_bin(config_, spec, sink, stop);
    case AlgoType::kPython:
      return detail::run_python(config_, spec, sink, stop);
    case AlgoType::kDocker:
      return detail::run_docker(config_, spec, sink, stop);
    case AlgoType::kWasm:
      return detail::run_wasm(config_, spec, sink, stop);
  }
  return make_error("bad_spec", "unknown algorithm type");
}

namespace detail {
WaitOptions algorithm_wait(const RunnerConfig& config, const RunSpec& spec, std::stop_token stop) {
  WaitOptions w;
  w.timeout = spec.timeout;
  w.grace = config.grace;
  w.output = config.output;
  w.stop = std::move(stop);
  return w;
}
}  // namespace detail

}  // namespace cocos::runner
