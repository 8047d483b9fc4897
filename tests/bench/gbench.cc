// Runs one Google Benchmark function and captures its run report.
#include "gbench.h"

#include <algorithm>
#include <cstdio>
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

namespace {
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

double AlternatingRates::median_a(double Rates::*pick) const {
  std::vector<double> v;
  for (const Rates& r : a) v.push_back(r.*pick);
  return median(v);
}

double AlternatingRates::median_b(double Rates::*pick) const {
  std::vector<double> v;
  for (const Rates& r : b) v.push_back(r.*pick);
  return median(v);
}

double AlternatingRates::median_ratio(double Rates::*pick) const {
  std::vector<double> v;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (b[i].*pick > 0) v.push_back(a[i].*pick / (b[i].*pick));
  }
  return median(v);
}

std::string AlternatingRates::rounds_text(double Rates::*pick) const {
  std::string out;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", out.empty() ? "" : " ",
                  b[i].*pick > 0 ? a[i].*pick / (b[i].*pick) : 0.0);
    out += buf;
  }
  return out;
}

Result<AlternatingRates> run_gbench_alternating(const std::string& name_a,
                                                std::function<void(benchmark::State&)> fn_a,
                                                const std::string& name_b,
                                                std::function<void(benchmark::State&)> fn_b,
                                                double min_time, int rounds) {
  AlternatingRates out;
  for (int i = 0; i < std::max(rounds, 1); ++i) {
    auto a = run_gbench(name_a, fn_a, min_time);
    if (!a) return a.take_error();
    auto b = run_gbench(name_b, fn_b, min_time);
    if (!b) return b.take_error();
    out.a.push_back(*a);
    out.b.push_back(*b);
  }
  return out;
}

}  // namespace cocos::bench
