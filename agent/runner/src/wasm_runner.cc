// wasm: a WASI runtime command built from a template; by default node with run-wasi.mjs (which
// is copied next to the programs at build time, see CMakeLists.txt).
#include <sys/stat.h>

#include <algorithm>

#include "runners.h"
#include "step.h"

namespace cocos::runner::detail {

Result<RunOutcome> run_wasm(const RunnerConfig& config, const RunSpec& spec, const LogSink& sink,
                            std::stop_token stop) {
  std::vector<std::string> tmpl = config.wasm_command;
  const bool default_runtime = tmpl.empty();
  if (default_runtime) {
    tmpl = {"node", "--no-warnings", "{script}", "{module}", "{datasets}", "{results}", "{args}"};
    // The guest's memory, in whole 64 KiB pages (at least one; wasm32 has 65536 at most):
    // memory.grow beyond it fails and a module declaring more does not instantiate.
    if (const std::uint64_t m = config.limits.memory_bytes; m > 0) {
      const std::uint64_t pages = std::clamp<std::uint64_t>(m >> 16, 1, 65536);
      tmpl.insert(tmpl.begin() + 1, "--wasm-max-mem-pages=" + std::to_string(pages));
    }
  } else if (config.limits.memory_bytes > 0 && sink) {
    sink(LogLine{Stream::kAgent,
                 "memory limit not applied: a custom WASI runtime (--wasm-runtime) gets no "
                 "memory limit from the agent",
                 false, 0});
  }
  std::string script =
      config.wasi_script.empty() ? executable_dir() + "/run-wasi.mjs" : config.wasi_script;
  // V8 reserves address space for every wasm memory up front: RLIMIT_AS would break it.
  ProcessSpec p = algorithm_process(
      config, algorithm_env(config, spec.datasets_dir, spec.results_dir, {"HOME=" + spec.work_dir}),
      spec.work_dir, /*address_space=*/false);
  for (const std::string& t : tmpl) {
    if (t == "{args}") {
      p.argv.insert(p.argv.end(), spec.args.begin(), spec.args.end());
      continue;
    }
    std::string v = t;
    auto subst = [&v](const std::string& key, const std::string& value) {
      for (auto pos = v.find(key); pos != std::string::npos;
           pos = v.find(key, pos + value.size())) {
        v.replace(pos, key.size(), value);
      }
    };
    if (v.find("{script}") != std::string::npos) {
      struct stat st {};
      if (::stat(script.c_str(), &st) != 0) {
        return make_error("bad_spec", "WASI runner script not found: " + script);
      }
    }
    subst("{script}", script);
    subst("{module}", spec.algorithm);
    subst("{datasets}", spec.datasets_dir);
    subst("{results}", spec.results_dir);
    p.argv.push_back(std::move(v));
  }
  auto st = run_process(p, sink, algorithm_wait(config, spec, std::move(stop)));
  if (!st) return st.take_error();  // the runtime itself is missing: not the algorithm's fault
  return to_outcome(*st);
}

}  // namespace cocos::runner::detail
