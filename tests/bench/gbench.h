// Google Benchmark as a library: runs one registered function for a minimum time and hands the
// measured rates back (a capturing reporter instead of the console one), so the numbers go into
// our own report.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::bench {

struct Rates {
  double items_per_s = 0;  // from state.SetItemsProcessed
  double bytes_per_s = 0;  // from state.SetBytesProcessed
  double iterations = 0;
};

// Runs `fn` (a Google Benchmark body) for at least min_time seconds of real time.
// Error "bench_failed" when the body called state.SkipWithError.
Result<Rates> run_gbench(const std::string& name, std::function<void(benchmark::State&)> fn,
                         double min_time);

// A ratio against a baseline on a shared machine: the two are measured in `rounds` alternating
// rounds (A, B, A, B, ...), each run for min_time seconds, so that a change of the machine's
// load during the measurement hits both alike instead of only the one measured second.
struct AlternatingRates {
  std::vector<Rates> a, b;  // one per round, in order
  // Medians over the rounds (each ratio is A/B of one round, i.e. of neighbouring runs);
  // `pick` selects items_per_s or bytes_per_s.
  double median_a(double Rates::*pick) const;
  double median_b(double Rates::*pick) const;
  double median_ratio(double Rates::*pick) const;
  std::string rounds_text(double Rates::*pick) const;  // "0.93 0.95 ..." (A/B per round)
};
Result<AlternatingRates> run_gbench_alternating(const std::string& name_a,
                                                std::function<void(benchmark::State&)> fn_a,
                                                const std::string& name_b,
                                                std::function<void(benchmark::State&)> fn_b,
                                                double min_time, int rounds);

inline constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace cocos::bench
