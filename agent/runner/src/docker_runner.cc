// docker: the uploaded image archive is loaded with the engine CLI (podman, or docker), run
// once with datasets read-only and results writable, and removed with its container whatever
// happens. The exit code is read with `inspect` rather than from `run`: the docker CLI against
// podman's compat API reports 0 for `run --rm`, so no --rm is used at all.
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <random>

#include "cocos/common/encoding.h"
#include "runners.h"
#include "step.h"

namespace cocos::runner::detail {

namespace {

// What a container gets when we must name its nofile/nproc rlimits ourselves (see run below).
constexpr std::uint64_t kContainerOpenFiles = 1024;
constexpr std::uint64_t kContainerProcesses = 4096;

std::string container_name(const std::string& computation_id) {
  std::string safe;
  for (char c : computation_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    safe += ok ? c : '-';
    if (safe.size() >= 40) break;
  }
  std::random_device rd;
  std::uint8_t r[6];
  for (auto& b : r) b = static_cast<std::uint8_t>(rd());
  return "cocos-" + (safe.empty() ? std::string("run") : safe) + "-" + to_hex({r, sizeof r});
}

// "Loaded image: localhost/x:1", "Loaded image(s): a,b", "Loaded image ID: sha256:..."
std::vector<std::string> loaded_images(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    auto at = l.find("Loaded image");
    if (at == std::string::npos) continue;
    auto colon = l.find(": ", at);
    if (colon == std::string::npos) continue;
    std::string list = l.substr(colon + 2);
    std::size_t start = 0;
    while (start <= list.size()) {
      auto comma = list.find(',', start);
      std::string one = list.substr(start, comma == std::string::npos ? comma : comma - start);
      while (!one.empty() && one.back() == ' ') one.pop_back();
      while (!one.empty() && one.front() == ' ') one.erase(0, 1);
      if (!one.empty()) out.push_back(one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

// Runs a cleanup command even when the run was stopped (its own, never-stopped token).
class Cleanup {
 public:
  Cleanup(const RunnerConfig& config, const ProcessSpec& base, const LogSink& sink)
      : config_(config), base_(base), sink_(sink) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
      ProcessSpec p = base_;
      p.argv = it->second;
      auto st = run_setup_step(it->first, p, config_, sink_, std::stop_token{});
      if ((!st || !st->success()) && sink_) {
        sink_(LogLine{Stream::kAgent,
                      it->first + " failed: " + (st ? st->describe() : st.error().message)});
      }
    }
  }
  // Commands run in reverse order of registration.
  void add(std::string label, std::vector<std::string> argv) {
    commands_.emplace_back(std::move(label), std::move(argv));
  }

 private:
  const RunnerConfig& config_;
  ProcessSpec base_;
  const LogSink& sink_;
  std::vector<std::pair<std::string, std::vector<std::string>>> commands_;
};

std::string find_containers_conf(const RunnerConfig& config) {
  if (!config.containers_conf.empty()) return config.containers_conf;
  std::string near = executable_dir() + "/containers.conf";
  struct stat st {};
  return ::stat(near.c_str(), &st) == 0 ? near : std::string();
}

}  // namespace

Result<RunOutcome> run_docker(const RunnerConfig& config, const RunSpec& spec, const LogSink& sink,
                              std::stop_token stop) {
  const std::string& engine = config.engine;
  std::vector<std::string> overrides;
  if (std::filesystem::path(engine).filename() == "podman") {
    std::string conf = find_containers_conf(config);
    if (!conf.empty()) overrides.push_back("CONTAINERS_CONF=" + conf);
  }
  ProcessSpec base;
  base.env = tool_env(overrides);
  base.cwd = spec.work_dir;

  // 1. Load the image.
  ProcessSpec load = base;
  load.argv = {engine, "load", "-i", spec.algorithm};
  std::vector<std::string> out;
  auto loaded = run_setup_step("image load", load, config, sink, stop, &out);
  if (!loaded) return loaded.take_error();  // engine missing: the run cannot happen here
  if (!loaded->success()) return to_outcome(*loaded, "image load failed");
  std::vector<std::string> images = loaded_images(out);
  Cleanup cleanup(config, base, sink);
  for (const auto& img : images) cleanup.add("image remove", {engine, "rmi", "-f", img});
  if (images.size() != 1) {
    return failed_outcome("image archive must hold exactly one image, found " +
                          std::to_string(images.size()));
  }
  if (stop.stop_requested()) {
    RunOutcome o = failed_outcome("stopped before the algorithm started");
    o.stopped = true;
    return o;
  }

  // 2. Run it (removed afterwards: registered after the image, so removed before it).
  const std::string name = container_name(spec.computation_id);
  cleanup.add("container remove", {engine, "rm", "-f", name});
  ProcessSpec run = base;
  run.argv = {engine, "run", "--name", name, "--pull=never"};
  if (!spec.network) run.argv.insert(run.argv.end(), {"--network", "none"});
  const RunLimits& lim = config.limits;
  if (config.oom_score_adj) {
    run.argv.push_back("--oom-score-adj=" + std::to_string(*config.oom_score_adj));
  }
  if (lim.memory_bytes > 0) {
    const std::string b = std::to_string(lim.memory_bytes) + "b";
    run.argv.insert(run.argv.end(), {"--memory=" + b, "--memory-swap=" + b});
  }
  if (lim.max_processes > 0) {
    run.argv.push_back("--pids-limit=" + std::to_string(lim.max_processes));
  }
  if (lim.file_size_bytes > 0 || lim.open_files > 0) {
    // One --ulimit replaces podman's default list (containers.conf default_ulimits) instead of
    // adding to it, and its built-in nofile/nproc can be more than the runtime may grant (no
    // CAP_SYS_RESOURCE): name nofile and nproc too, with the conventional container defaults
    // (those of our containers.conf) unless the operator set them.
    auto ulimit = [&run](const char* name, std::uint64_t v) {
      const std::string n = std::to_string(v);
      run.argv.push_back(std::string("--ulimit=") + name + "=" + n + ":" + n);
    };
    if (lim.file_size_bytes > 0) ulimit("fsize", lim.file_size_bytes);
    ulimit("nofile", lim.open_files > 0 ? lim.open_files : kContainerOpenFiles);
    ulimit("nproc", lim.max_processes > 0 ? lim.max_processes : kContainerProcesses);
  }
  run.argv.insert(run.argv.end(), config.container_args.begin(), config.container_args.end());
  run.argv.insert(run.argv.end(),
                  {"-v", spec.datasets_dir + ":" + config.container_datasets + ":ro", "-v",
                   spec.results_dir + ":" + config.container_results + ":rw", "-e",
                   "DATASETS_DIR=" + config.container_datasets, "-e",
                   "RESULTS_DIR=" + config.container_results, images[0]});
  run.argv.insert(run.argv.end(), spec.args.begin(), spec.args.end());
  auto ran = run_process(run, sink, algorithm_wait(config, spec, std::move(stop)));
  // Killing the CLI client does not stop the container (conmon keeps it): kill it first.
  if (!ran || ran->timed_out || ran->stopped) cleanup.add("container kill", {engine, "kill", name});
  if (!ran) return ran.take_error();
  if (ran->timed_out || ran->stopped) return to_outcome(*ran);

  // 3. The container's own exit code.
  ProcessSpec inspect = base;
  inspect.argv = {engine, "inspect", "-f", "{{.State.ExitCode}}", name};
  std::vector<std::string> code_lines;
  auto inspected = run_setup_step("inspect", inspect, config, sink, std::stop_token{}, &code_lines);
  if (!inspected || !inspected->success() || code_lines.empty()) {
    // No container state (it was never created): the engine's own exit code explains why.
    RunOutcome o = to_outcome(*ran, "container run failed");
    if (o.success) o = failed_outcome("container exit code unavailable");
    return o;
  }
  ExitStatus container = *ran;
  container.exited = true;
  container.signal = 0;
  const std::string& text = code_lines.back();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), container.code);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return failed_outcome("unreadable container exit code: " + text);
  }
  return to_outcome(container);
}

}  // namespace cocos::runner::detail
