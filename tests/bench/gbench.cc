// Runs one Google Benchmark function and captures its run report.
#include "gbench.h"

#include <vector>

namespace cocos::bench {
namespace {

class Capture : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) runs_.push_back(r);
  }
  std::vector<Run> runs_;
};

}  // namespace

Result<Rates> run_gbench(const std::string& name, std::function<void(benchmark::State&)> fn,
                         double min_time) {
  benchmark::ClearRegisteredBenchmarks();
  benchmark::RegisterBenchmark(name.c_str(), fn)
      ->MinTime(min_time)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  Capture cap;
  benchmark::RunSpecifiedBenchmarks(&cap);
  benchmark::ClearRegisteredBenchmarks();
  for (const auto& run : cap.runs_) {
    if (run.error_occurred) return make_error("bench_failed", name + ": " + run.error_message);
    Rates r;
    r.iterations = static_cast<double>(run.iterations);
    if (auto it = run.counters.find("items_per_second"); it != run.counters.end()) {
      r.items_per_s = it->second.value;
    }
    if (auto it = run.counters.find("bytes_per_second"); it != run.counters.end()) {
      r.bytes_per_s = it->second.value;
    }
    return r;
  }
  return make_error("bench_failed", name + ": no run reported");
}

}  // namespace cocos::bench
