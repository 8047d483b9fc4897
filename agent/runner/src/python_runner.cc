// python: a fresh venv per run in the work directory (removed afterwards), requirements
// installed with the configured pip options (by the base interpreter's pip into the venv, or
// the venv's own pip with RunnerConfig::venv_with_pip) (the CVM usually has no network, so
// typically
// --no-index --find-links DIR), then the script run unbuffered. Setup steps run with the same
// environment and user as the algorithm: installing requirements can execute their code.
#include <filesystem>

#include "runners.h"
#include "step.h"

namespace cocos::runner::detail {

namespace {

// Removes the venv however the run ends.
struct VenvGuard {
  std::string path;
  ~VenvGuard() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

RunOutcome stopped_outcome() {
  RunOutcome o = failed_outcome("stopped before the algorithm started");
  o.stopped = true;
  return o;
}

}  // namespace

Result<RunOutcome> run_python(const RunnerConfig& config, const RunSpec& spec, const LogSink& sink,
                              std::stop_token stop) {
  const std::string venv = spec.work_dir + "/venv";
  std::error_code ec;
  std::filesystem::remove_all(venv, ec);
  VenvGuard guard{venv};
  std::vector<std::string> extra = {"HOME=" + spec.work_dir,           "PYTHONUNBUFFERED=1",
                                    "PYTHONDONTWRITEBYTECODE=1",       "PIP_NO_CACHE_DIR=1",
                                    "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1"};
  // venv and pip run with the algorithm's user and limits too: pip builds what the
  // requirements name, which is the algorithm owner's code as much as the script is.
  ProcessSpec base = algorithm_process(
      config, algorithm_env(config, spec.datasets_dir, spec.results_dir, extra), spec.work_dir);

  ProcessSpec mk = base;
  // ensurepip is by far the slowest part of a venv (seconds to tens of seconds); the base
  // interpreter's pip can install into the venv instead (pip >= 22.3: --python).
  mk.argv = {config.python, "-m", "venv"};
  if (!config.venv_with_pip) mk.argv.push_back("--without-pip");
  mk.argv.push_back(venv);
  auto made = run_setup_step("venv", mk, config, sink, stop);
  if (!made) return made.take_error();  // no interpreter: the run cannot happen here
  if (!made->success()) return to_outcome(*made, "venv creation failed");
  if (stop.stop_requested()) return stopped_outcome();

  const std::string py = venv + "/bin/python";
  if (!spec.requirements.empty()) {
    ProcessSpec pip = base;
    if (config.venv_with_pip) {
      pip.argv = {py, "-m", "pip", "install"};
    } else {
      pip.argv = {config.python, "-m", "pip", "--python", py, "install"};
    }
    pip.argv.insert(pip.argv.end(), config.pip_options.begin(), config.pip_options.end());
    pip.argv.insert(pip.argv.end(), {"-r", spec.requirements});
    auto installed = run_setup_step("pip", pip, config, sink, stop);
    if (!installed) return installed.take_error();
    if (!installed->success()) return to_outcome(*installed, "pip install failed");
    if (stop.stop_requested()) return stopped_outcome();
  }

  ProcessSpec run = base;
  run.argv = {py, "-u", spec.algorithm};
  run.argv.insert(run.argv.end(), spec.args.begin(), spec.args.end());
  run.env = algorithm_env(config, spec.datasets_dir, spec.results_dir, extra);
  run.env.push_back("VIRTUAL_ENV=" + venv);
  for (auto& e : run.env) {
    if (e.rfind("PATH=", 0) == 0) e = "PATH=" + venv + "/bin:" + e.substr(5);
  }
  auto st = run_process(run, sink, algorithm_wait(config, spec, std::move(stop)));
  if (!st) return failed_outcome("cannot start the script: " + st.error().message);
  return to_outcome(*st);
}

}  // namespace cocos::runner::detail
