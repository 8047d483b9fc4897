// Shared runner plumbing: environments, one-command runs, outcome conversion.
#include "step.h"

#include <unistd.h>

extern char** environ;

namespace cocos::runner::detail {

std::vector<std::string> algorithm_env(const RunnerConfig& config, const std::string& datasets,
                                       const std::string& results,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> env = config.base_env;
  env.push_back("DATASETS_DIR=" + datasets);
  env.push_back("RESULTS_DIR=" + results);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<std::string> tool_env(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string v(*e);
    bool replaced = false;
    for (const auto& o : overrides) {
      auto eq = o.find('=');
      if (v.compare(0, eq + 1, o, 0, eq + 1) == 0) replaced = true;
    }
    if (!replaced) env.push_back(std::move(v));
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

ProcessSpec algorithm_process(const RunnerConfig& config, std::vector<std::string> env,
                              const std::string& cwd, bool address_space) {
  ProcessSpec p;
  p.env = std::move(env);
  p.cwd = cwd;
  if (address_space) p.limits.address_space_bytes = config.limits.memory_bytes;
  p.limits.file_size_bytes = config.limits.file_size_bytes;
  p.limits.max_processes = config.limits.max_processes;
  p.limits.open_files = config.limits.open_files;
  p.uid = config.uid;
  p.gid = config.gid;
  p.cgroup_parent = config.cgroup_parent;
  p.oom_score_adj = config.oom_score_adj;
  return p;
}

Result<ExitStatus> run_process(const ProcessSpec& spec, const LogSink& sink,
                               const WaitOptions& options) {
  auto p = Process::spawn(spec);
  if (!p) return p.take_error();
  return p->wait(sink, options);
}

Result<ExitStatus> run_setup_step(const std::string& label, const ProcessSpec& spec,
                                  const RunnerConfig& config, const LogSink& sink,
                                  std::stop_token stop, std::vector<std::string>* captured) {
  LogSink relabel = [&](const LogLine& line) {
    if (captured != nullptr && line.stream == Stream::kStdout) captured->push_back(line.text);
    if (!sink) return;
    LogLine l = line;
    l.text = label + ": " + line.text;
    l.stream = Stream::kAgent;
    sink(l);
  };
  WaitOptions w;
  w.timeout = config.setup_timeout;
  w.grace = config.grace;
  w.output = config.output;
  w.stop = std::move(stop);
  return run_process(spec, relabel, w);
}

RunOutcome to_outcome(const ExitStatus& st, const std::string& what) {
  RunOutcome o;
  o.success = st.success();
  o.exited = st.exited;
  o.exit_code = st.code;
  o.signal = st.signal;
  o.timed_out = st.timed_out;
  o.stopped = st.stopped;
  o.dropped_stdout = st.dropped_stdout;
  o.dropped_stderr = st.dropped_stderr;
  if (!o.success) o.reason = what.empty() ? st.describe() : what + ": " + st.describe();
  return o;
}

RunOutcome failed_outcome(std::string reason) {
  RunOutcome o;
  o.reason = std::move(reason);
  return o;
}

}  // namespace cocos::runner::detail
