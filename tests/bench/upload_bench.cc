// Upload and result streaming through the real cocos-agent process: this process is the manager
// (the manager library's Router + AgentSession, as cocos-manager uses them), the agent receives a
// signed dataset over tcp://127.0.0.1 with credits, hashes it (SHA3-256), writes it to disk and
// checks the provider's signature; its algorithm copies the dataset into results/, and the result
// zip (Stored) streams back to us as a consumer. The agent's peak RSS (VmHWM) is read after a big
// and after a small upload, each in a fresh agent.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "benches.h"
#include "cocos/common/hash.h"
#include "cocos/common/statements.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/format.h"
#include "cocos/manager/router.h"
#include "gbench.h"
#include "support/process.h"
#include "support/random_file.h"

namespace cocos::bench {

using test_support::Child;
using test_support::proc_status_kib;
using test_support::TempDir;
using test_support::thread_times;
using test_support::thread_times_delta;
using test_support::write_random_file;

std::vector<std::string> agent_argv(const Options& o, const std::string& endpoint,
                                    const std::string& work_dir);

namespace {

namespace msg = messages;

// The algorithm: "copy" puts the dataset into the results; anything else writes a small file.
constexpr const char* kAlgorithm =
    "#!/bin/sh\n"
    "# cocos-bench algorithm: copy the dataset into the results, or write a marker.\n"
    "if [ \"$1\" = copy ]; then cat \"$DATASETS_DIR/data.bin\" > \"$RESULTS_DIR/result.bin\";\n"
    "else echo done > \"$RESULTS_DIR/result.txt\"; fi\n";

// The disk's durable write rate in the work dir: 1 MiB writes, one fdatasync at the end (what the
// agent does with an upload), so upload_mib_s can be read against what the disk allows.
Result<double> disk_write_fsync_mib_s(const std::string& dir, std::uint64_t size) {
  const std::string path = dir + "/fsync-probe.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("io_error", "cannot create " + path);
  std::vector<std::uint8_t> buf(1 << 20, 0x5A);
  const auto t0 = std::chrono::steady_clock::now();
  bool ok = true;
  for (std::uint64_t done = 0; done < size && ok; done += buf.size()) {
    ok = ::write(fd, buf.data(), buf.size()) == static_cast<ssize_t>(buf.size());
  }
  ok = ok && ::fdatasync(fd) == 0;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  ::unlink(path.c_str());
  if (!ok) return make_error("io_error", "write/fsync failed on " + path);
  return static_cast<double>(size) / kMiB / secs;
}

struct Keys {
  PrivateKey algo, data, consumer;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct RunResult {
  double upload_s = 0;
  double peak_rss_mib = 0;
  double result_s = 0;  // result.challenge .. result file checked, fsync'd, renamed, acked
  std::uint64_t result_size = 0;
  // Where the CPU went, per thread, during the upload and the result stream.
  std::string upload_agent_cpu, upload_self_cpu, result_agent_cpu, result_self_cpu;
};

// One fresh agent driven by the manager library (Router + AgentSession, what cocos-manager runs):
// manifest, algorithm, the dataset (timed), then optionally the result (timed).
Result<RunResult> run_agent(const Options& o, const std::string& dir, const Keys& keys,
                            const std::string& dataset, std::uint64_t size, const Bytes& sha,
                            bool fetch) {
  const std::string algo_path = dir + "/algorithm.sh";
  {
    std::ofstream a(algo_path, std::ios::binary);
    a << kAlgorithm;
  }
  const Bytes algo_sha = digest(HashAlg::kSha3_256, std::string_view(kAlgorithm));
  const std::string cid = fetch ? "bench-upload-result" : "bench-upload-rss";
  msg::Manifest m;
  m.id = cid;
  m.name = "cocos-bench";
  m.algorithm.hash = algo_sha;
  m.algorithm.user_key_der = keys.algo.public_key().to_der();
  m.algorithm.algo_type = "bin";
  m.algorithm.algo_args = {fetch ? "copy" : "marker"};
  m.datasets.push_back({sha, keys.data.public_key().to_der(), "data.bin", false});
  m.result_consumers.push_back({keys.consumer.public_key().to_der()});
  m.timeout_s = 3600;

  auto router = manager::Router::bind("tcp://127.0.0.1:*");
  if (!router) return router.take_error();
  manager::AgentSession session(*router, dir + "/events", {});
  auto child = Child::spawn(agent_argv(o, router->endpoint(), dir + "/work"), dir + "/agent.log");
  if (!child) return child.take_error();
  const auto deadline = [](int seconds) {
    return std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  };
  if (auto a = session.wait_agent("", deadline(30)); !a) return a.take_error();
  if (auto r = session.call(msg::ManifestPut{m}, cid, deadline(30)); !r) return r.take_error();

  std::ostringstream quiet;  // progress lines are not wanted here
  auto asig = keys.algo.sign(as_bytes(upload_statement(cid, UploadItem::algorithm(), algo_sha)));
  if (!asig) return asig.take_error();
  manager::Progress algo_progress("algorithm", 0, quiet, false);
  if (auto st = session.upload(cid, {UploadItem::algorithm(), algo_path, *asig, algo_sha},
                               algo_progress, deadline(60));
      !st) {
    return st.take_error();
  }
  const UploadItem item = UploadItem::dataset(0, "data.bin");
  auto dsig = keys.data.sign(as_bytes(upload_statement(cid, item, sha)));
  if (!dsig) return dsig.take_error();
  RunResult rr;
  const auto agent0 = thread_times(child->pid());
  const auto self0 = thread_times(::getpid());
  manager::Progress data_progress("dataset", size, quiet, false);
  // The hash is the one this process computed over the file it wrote, so upload() need not read
  // the file twice (cocos-manager run hashes first, before upload.begin: not part of the timing).
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = session.upload(cid, {item, dataset, *dsig, sha}, data_progress, deadline(3600));
      !st) {
    return st.take_error();
  }
  rr.upload_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rr.upload_agent_cpu = thread_times_delta(agent0, thread_times(child->pid()));
  rr.upload_self_cpu = thread_times_delta(self0, thread_times(::getpid()));
  auto hwm = proc_status_kib(child->pid(), "VmHWM");
  if (!hwm) return make_error("io_error", "cannot read VmHWM of the agent");
  rr.peak_rss_mib = *hwm / 1024.0;
  if (!fetch) return rr;
  auto ready = [&] {
    const auto& e = session.last_event();
    return e && (e->state == "resultsReady" || e->state == "failed");
  };
  if (auto st = session.pump_until(ready, deadline(3600)); !st) return st.take_error();
  if (session.last_event()->state != "resultsReady") {
    return make_error("failed", "the computation failed; see " + dir + "/agent.log");
  }
  const auto agent1 = thread_times(child->pid());
  const auto self1 = thread_times(::getpid());
  manager::Progress result_progress("results", 0, quiet, false);
  const auto t1 = std::chrono::steady_clock::now();
  auto f = session.fetch_result(cid, keys.consumer, dir + "/result.zip", result_progress,
                                deadline(3600));
  if (!f) return f.take_error();
  rr.result_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  rr.result_size = f->size;
  rr.result_agent_cpu = thread_times_delta(agent1, thread_times(child->pid()));
  rr.result_self_cpu = thread_times_delta(self1, thread_times(::getpid()));
  return rr;
}

}  // namespace

void bench_upload_result(const Options& o, Report& r) {
  struct stat st {};
  if (::stat(o.agent_bin.c_str(), &st) != 0) {
    return r.skipped("upload", o.agent_bin + " not found (cocos-agent not built)");
  }
  auto algo = PrivateKey::generate(KeyType::kEd25519);
  auto data = PrivateKey::generate(KeyType::kEd25519);
  auto consumer = PrivateKey::generate(KeyType::kEd25519);
  if (!algo || !data || !consumer) return r.skipped("upload", "key generation failed");
  const Keys keys{*algo, *data, *consumer};

  {  // 1. Upload + result throughput, in rounds bracketed by the baseline.
    auto dir = TempDir::create(o.work_base, "cocos-bench-upload-");
    if (!dir) return r.skipped("upload", dir.error().to_string());
    if (auto disk = disk_write_fsync_mib_s(dir->path(), o.quick ? (16ull << 20) : (256ull << 20))) {
      r.set("disk_write_fsync_mib_s", *disk, "MiB/s");
    }
    const std::string path = dir->path() + "/data.bin";
    auto sha = write_random_file(path, o.upload_bytes());
    if (!sha) return r.skipped("upload", sha.error().to_string());
    // The single-core speed of this kind of VM moves by tens of percent within minutes, so each
    // round (a fresh agent: upload, then result) is set against the mean of the baselines
    // measured right before and right after it, and the median round is reported; the same
    // alternation the igvm and snp_verify benchmarks use.
    const int rounds = o.quick ? 1 : 3;
    auto first = sha3_single_core_mib_s(o);
    if (!first) return r.skipped("upload", first.error().to_string());
    std::vector<double> baselines{*first}, up_rates, res_rates, up_ratios, res_ratios;
    std::string per_round;
    RunResult last;
    for (int i = 0; i < rounds; ++i) {
      auto round_dir = TempDir::create(dir->path(), "round-");
      if (!round_dir) return r.skipped("upload", round_dir.error().to_string());
      auto run = run_agent(o, round_dir->path(), keys, path, o.upload_bytes(), *sha, true);
      if (!run) return r.skipped("upload", run.error().to_string());
      auto after = sha3_single_core_mib_s(o);
      if (!after) return r.skipped("upload", after.error().to_string());
      const double base = (baselines.back() + *after) / 2;
      baselines.push_back(*after);
      up_rates.push_back(static_cast<double>(o.upload_bytes()) / kMiB / run->upload_s);
      res_rates.push_back(static_cast<double>(run->result_size) / kMiB / run->result_s);
      up_ratios.push_back(up_rates.back() / base);
      res_ratios.push_back(res_rates.back() / base);
      char b[200];
      std::snprintf(b, sizeof b,
                    "%sround %d: upload %.1f, result %.1f, SHA3 %.1f MiB/s (%.2f / %.2f)",
                    per_round.empty() ? "" : "; ", i + 1, up_rates.back(), res_rates.back(), base,
                    up_ratios.back(), res_ratios.back());
      per_round += b;
      last = std::move(*run);
    }
    r.set("sha3_256_mib_s", median(baselines), "MiB/s");
    r.set("upload_mib_s", median(up_rates), "MiB/s");
    r.set("upload_ratio", median(up_ratios), "", ">= 0.85");
    r.set("result_mib_s", median(res_rates), "MiB/s");
    r.set("result_ratio", median(res_ratios), "", ">= 0.85");
    r.note("sha3_baseline", "median of " + std::to_string(baselines.size()) +
                                " measurements, one before the first round and one after each");
    r.note("upload_rounds", per_round +
                                " (each ratio against the mean of the baselines right "
                                "before and after its round; the medians are reported)");
    char note[300];
    std::snprintf(note, sizeof note,
                  "%.0f MiB dataset, manager library (AgentSession) upload.begin -> upload.end ok "
                  "(agent: 1 MiB chunks, 8 credits, hash + write, fdatasync at the end, "
                  "signature); result zip %.0f MiB, AgentSession::fetch_result: challenge -> "
                  "result checked (size, SHA3-256), fsync'd, renamed, acked",
                  static_cast<double>(o.upload_bytes()) / kMiB,
                  static_cast<double>(last.result_size) / kMiB);
    r.note("upload", note);
    r.note("upload_cpu", "last round, during " + std::to_string(last.upload_s).substr(0, 5) +
                             " s of upload: agent threads " + last.upload_agent_cpu +
                             "; manager (bench) threads " + last.upload_self_cpu);
    r.note("result_cpu", "last round, during " + std::to_string(last.result_s).substr(0, 5) +
                             " s of result stream: agent threads " + last.result_agent_cpu +
                             "; consumer (bench) threads " + last.result_self_cpu);
  }
  // 2. Peak RSS: a big and a small upload, each into a fresh agent.
  double hwm[2] = {0, 0};
  const std::uint64_t sizes[2] = {o.rss_big_bytes(), o.rss_small_bytes()};
  for (int i = 0; i < 2; ++i) {
    auto dir = TempDir::create(o.work_base, "cocos-bench-rss-");
    if (!dir) return r.skipped("upload_rss", dir.error().to_string());
    const std::string path = dir->path() + "/data.bin";
    auto sha = write_random_file(path, sizes[i]);
    if (!sha) return r.skipped("upload_rss", sha.error().to_string());
    auto run = run_agent(o, dir->path(), keys, path, sizes[i], *sha, false);
    if (!run) return r.skipped("upload_rss", run.error().to_string());
    hwm[i] = run->peak_rss_mib;
  }
  r.set("upload_agent_peak_rss_mib", hwm[0], "MiB", "<= 64");
  r.set("upload_agent_peak_rss_small_mib", hwm[1], "MiB");
  char note[200];
  std::snprintf(note, sizeof note,
                "VmHWM after upload.end: %.0f MiB upload %.1f MiB, %.0f MiB upload %.1f MiB "
                "(target: big <= small + 8)",
                static_cast<double>(sizes[0]) / kMiB, hwm[0], static_cast<double>(sizes[1]) / kMiB,
                hwm[1]);
  r.note("upload_rss", note);
}

}  // namespace cocos::bench
