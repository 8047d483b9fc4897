// Google Benchmark as a library: runs one registered function for a minimum time and hands the
// measured rates back (a capturing reporter instead of the console one), so the numbers go into
// our own report.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <string>

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

inline constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace cocos::bench
