// The benchmarks of cocos-bench. Each measures one row group of the table and writes
// its keys into the report (or a `skipped` entry saying why it could not run).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "cocos/common/result.h"
#include "report.h"

namespace cocos::bench {

struct Options {
  bool quick = false;
  std::string work_base = "/tmp";       // big files and agent work dirs live under here
  std::string agent_bin;                // the real cocos-agent (default: next to cocos-bench)
  std::vector<std::string> agent_args;  // extra cocos-agent flags (diagnosis, e.g. credits)
  double min_time = 1.0;                // Google Benchmark minimum time per measurement (s)

  // Sizes (full mode / --quick).
  std::uint64_t upload_bytes() const { return quick ? (32ull << 20) : (1ull << 30); }
  std::uint64_t rss_big_bytes() const { return quick ? (64ull << 20) : (4ull << 30); }
  std::uint64_t rss_small_bytes() const { return quick ? (16ull << 20) : (256ull << 20); }
  std::uint64_t igvm_bytes() const { return quick ? (8ull << 20) : (256ull << 20); }
  int events() const { return quick ? 1000 : 10000; }
  int reliable_events() const { return quick ? 5000 : 200000; }
  int manager_agents() const { return quick ? 50 : 1000; }
  int agent_starts() const { return quick ? 2 : 10; }
};

// Nanoseconds of the steady clock (CLOCK_MONOTONIC): one time base shared by the bench and its
// helper processes, so a stamp taken in one can be compared in another.
inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// The programs' bus I/O threads run under the normal policy unless asked (--bus-rt-priority,
// --rt-priority); the event latency benchmark also measures them under SCHED_FIFO at this
// priority (bus/io_thread.h). Returns what is in effect, for the notes.
inline constexpr int kBusRtPriority = 1;
std::string realtime_io(zmq::context_t& ctx);

// One measurement of the baseline of upload_ratio and result_ratio (MiB/s): OpenSSL EVP
// SHA3-256 over a 1 MiB buffer in 1 MiB updates, one thread.
Result<double> sha3_single_core_mib_s(const Options& o);
// igvm_mib_s, sha384_mib_s, igvm_ratio.
void bench_igvm(const Options& o, Report& r);
// snp_verify_per_s, ecdsa_p384_verify_per_s, snp_verify_ratio.
void bench_snp_verify(const Options& o, Report& r);
// event_p50_us, event_p99_us (PUB -> SUB, helper process publishes).
void bench_event_latency(const Options& o, Report& r);
// events_per_s (event requests + event.ack, helper process is the agent side).
void bench_reliable_events(const Options& o, Report& r);
// manager_agents (helper process holds N agent links).
void bench_manager_agents(const Options& o, Report& r);
// agent_start_ms, agent_idle_rss_mib (the real cocos-agent).
void bench_agent_start(const Options& o, Report& r);
// sha3_256_mib_s, upload_*, result_*, upload_agent_peak_rss_mib (the real cocos-agent).
void bench_upload_result(const Options& o, Report& r);

// Helper roles run in a child process (cocos-bench --role NAME ARGS...). Returns the exit code.
int run_role(const std::string& role, const std::vector<std::string>& args);

}  // namespace cocos::bench
