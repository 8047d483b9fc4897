// cocos-bench: the project's performance measurements (see README.md). Prints a table, or one
// JSON object with --json; --quick runs every benchmark on small sizes (the ctest smoke test).
// `--role NAME ARGS...` is internal: the bench re-executed as the far side of a bus measurement.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <set>

#include "benches.h"
#include "cocos/common/malloc_tuning.h"
#include "gbench.h"
#include "support/process.h"

namespace {

using cocos::bench::Options;
using cocos::bench::Report;

struct Bench {
  const char* name;
  void (*run)(const Options&, Report&);
};

constexpr Bench kBenches[] = {
    {"upload", cocos::bench::bench_upload_result},
    {"igvm", cocos::bench::bench_igvm},
    {"snp", cocos::bench::bench_snp_verify},
    {"event_latency", cocos::bench::bench_event_latency},
    {"events", cocos::bench::bench_reliable_events},
    {"agent_start", cocos::bench::bench_agent_start},
    {"manager_agents", cocos::bench::bench_manager_agents},
};

}  // namespace

int main(int argc, char** argv) {
  // As cocos-manager's main does: this process is the manager of the upload/result benchmarks.
  cocos::keep_bulk_buffers_in_heap();
  if (argc >= 3 && std::string(argv[1]) == "--role") {
    return cocos::bench::run_role(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  }
  CLI::App app("cocos-bench: throughput, latency and memory of cocos-cpp's components",
               "cocos-bench");
  Options o;
  bool json = false;
  std::vector<std::string> only;
  app.add_flag("--json", json, "print one JSON object instead of the table");
  app.add_flag("--quick", o.quick, "small sizes, a few seconds (smoke test; numbers meaningless)");
  app.add_option("--only", only,
                 "run only these benchmarks (upload igvm snp event_latency events "
                 "agent_start manager_agents)");
  app.add_option("--work-dir", o.work_base, "where big files and agent work dirs go")
      ->check(CLI::ExistingDirectory);
  app.add_option("--agent-bin", o.agent_bin,
                 "the cocos-agent program (default: beside cocos-bench)");
  app.add_option(
      "--agent-arg", o.agent_args,
      "extra flag for every cocos-agent started (repeat; e.g. --agent-arg=--upload-credits=32)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.agent_bin.empty()) {
    o.agent_bin =
        (std::filesystem::path(cocos::test_support::self_exe()).parent_path() / "cocos-agent")
            .string();
  }
  o.min_time = o.quick ? 0.05 : 2.0;
  // Libraries log through spdlog's default logger (stdout); stdout is for the report alone.
  spdlog::set_default_logger(spdlog::stderr_color_mt("cocos-bench"));
  int bargc = 1;
  char* bargv[] = {argv[0], nullptr};
  benchmark::Initialize(&bargc, bargv);

  const std::set<std::string> selected(only.begin(), only.end());
  Report report;
  for (const auto& b : kBenches) {
    if (!selected.empty() && !selected.count(b.name)) continue;
    std::fprintf(stderr, "cocos-bench: running %s...\n", b.name);
    b.run(o, report);
  }
  if (json) {
    std::printf("%s\n", report.to_json(o.quick ? "quick" : "full").c_str());
  } else {
    report.print_table(stdout);
  }
  return 0;
}
