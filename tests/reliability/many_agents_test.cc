// 50 agents uploading 64 MiB each at once to one manager: all complete, memory bounded.
//
// This process is the manager (AgentFleet: one ROUTER, one thread). It starts 50 real cocos-agent
// processes, gives each a computation whose one dataset is 64 MiB, uploads the algorithm to all,
// opens the 50 dataset uploads together (every agent has answered upload.ready before the first
// chunk goes out) and streams them interleaved on its one thread, serving every agent's credits,
// events and pings in the same poll loop. Each agent hashes (SHA3-256), writes and fsyncs its
// bytes and checks the provider's signature over a statement naming its own computation.
//
// Checks: every upload.end is `ok`; every computation reaches resultsReady, and its result (the
// algorithm writes the byte count it read) says the whole dataset was there; each agent's peak
// RSS (VmHWM) <= 64 MiB; this manager's peak RSS <= agents x window x chunk + a margin (the data
// in flight is bounded by the credits, whatever the total). Prints the figures.
//
// COCOS_MANY_AGENTS (default 50) and COCOS_MANY_AGENTS_MIB (default 64) scale it for diagnosis;
// ctest runs the default. Needs agents x MiB (+ a little) free under $TMPDIR (or /tmp).
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "agent_fleet.h"
#include "cocos/archive/zip_extract.h"
#include "cocos/common/hash.h"
#include "cocos/common/keys.h"
#include "cocos/common/statements.h"
#include "support/process.h"
#include "support/random_file.h"

#if defined(COCOS_SANITIZE_BUILD)
// ASan keeps freed memory in a quarantine (256 MiB by default), which would show up as peak RSS
// in this process and in every agent; a small one keeps the memory bounds meaningful.
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=8";
}
#endif

namespace cocos::reliability {
namespace {

namespace msg = messages;
using std::chrono::seconds;
using test_support::proc_status_kib;
using test_support::TempDir;

constexpr double kMiB = 1024.0 * 1024.0;
// The bound for one agent, whatever it uploads.
constexpr double kAgentPeakBoundMiB = 64;
// What this process holds besides the chunks in flight: code, libraries, zmq's per-connection
// buffers for 50 peers, malloc slack (about 8 MiB at start in the runs so far).
constexpr double kManagerMarginMiB = 64;
// In a sanitizer build every process starts far bigger (ASan's runtime, shadow memory and
// allocator caches: ~123 MiB for an agent after hello); there each bound also gets the process's
// own resident size at start, measured (the agents' right after their hello, ours before anything).
#if defined(COCOS_SANITIZE_BUILD)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
// The whole test must end before ctest's TIMEOUT (900 s), with a message naming what lagged.
constexpr auto kBudget = seconds(860);

// The algorithm: writes the byte count of the dataset it was given into the results.
constexpr const char* kAlgorithm =
    "#!/bin/sh\n"
    "# many-agents test algorithm: report how many bytes of the dataset it could read.\n"
    "wc -c < \"$DATASETS_DIR/data.bin\" > \"$RESULTS_DIR/size.txt\"\n";

std::uint64_t env_number(const char* name, std::uint64_t fallback, std::uint64_t max) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const std::uint64_t n = std::strtoull(v, nullptr, 10);
  return n >= 1 && n <= max ? n : fallback;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The last `lines` lines of a file (an agent's log, for failure reports).
std::string tail(const std::string& path, std::size_t lines) {
  const std::string t = read_text(path);
  std::size_t pos = t.size();
  for (std::size_t n = 0; pos > 0 && n <= lines; --pos) {
    if (t[pos - 1] == '\n') ++n;
  }
  return t.substr(pos);
}

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

TEST(ManyAgents, FiftyAgentsUpload64MiBEachAtOnceWithBoundedMemory) {
  const auto deadline = bus::Clock::now() + kBudget;
  const double manager_start_mib = proc_status_kib(::getpid(), "VmRSS").value_or(0) / 1024.0;
  const std::size_t n_agents = env_number("COCOS_MANY_AGENTS", 50, 500);
  const std::uint64_t size = env_number("COCOS_MANY_AGENTS_MIB", 64, 4096) << 20;

  auto dir = TempDir::create(test_support::temp_base(), "cocos-many-agents-");
  ASSERT_TRUE(dir.ok()) << dir.error().to_string();
  {
    // Every agent stores its copy, plus the one file this manager reads from.
    struct statvfs vfs {};
    ASSERT_EQ(::statvfs(dir->path().c_str(), &vfs), 0);
    const double free_mib = static_cast<double>(vfs.f_bavail) * vfs.f_frsize / kMiB;
    const double need_mib = static_cast<double>((n_agents + 1) * size) / kMiB + 256;
    ASSERT_GE(free_mib, need_mib) << "not enough disk under " << test_support::temp_base()
                                  << " (set TMPDIR elsewhere): " << n_agents << " agents x "
                                  << (size >> 20) << " MiB need " << need_mib << " MiB free, "
                                  << free_mib << " MiB are";
  }

  // One dataset file, read by this manager for every upload; each agent hashes and verifies
  // its own copy, and each signature names that agent's computation.
  const std::string data_path = dir->path() + "/data.bin";
  auto data_sha = test_support::write_random_file(data_path, size);
  ASSERT_TRUE(data_sha.ok()) << data_sha.error().to_string();
  const std::string algo_path = dir->path() + "/algorithm.sh";
  {
    std::ofstream a(algo_path, std::ios::binary);
    a << kAlgorithm;
  }
  const Bytes algo_sha = digest(HashAlg::kSha3_256, std::string_view(kAlgorithm));
  auto algo_key = PrivateKey::generate(KeyType::kEd25519);
  auto data_key = PrivateKey::generate(KeyType::kEd25519);
  auto consumer = PrivateKey::generate(KeyType::kEd25519);
  ASSERT_TRUE(algo_key.ok() && data_key.ok() && consumer.ok());

  FleetOptions fo;
  fo.agent_bin = COCOS_AGENT_BIN;
  fo.base_dir = dir->path();
  fo.agents = n_agents;
  fo.id_prefix = "many";
  if (kSanitized) {
    // Appended, so it wins over an inherited quarantine_size_mb; the agents are built like us.
    const char* inherited = std::getenv("ASAN_OPTIONS");
    fo.agent_env.push_back(std::string("ASAN_OPTIONS=") + (inherited ? inherited : "") +
                           ":quarantine_size_mb=8");
  }
  const auto t_start = bus::Clock::now();
  auto fleet_r = AgentFleet::start(fo, deadline);
  ASSERT_TRUE(fleet_r.ok()) << fleet_r.error().to_string();
  AgentFleet& fleet = **fleet_r;
  fleet.progress = [](const std::string& line) {
    std::printf("[many_agents] %s\n", line.c_str());
    std::fflush(stdout);
  };
  const double start_s = std::chrono::duration<double>(bus::Clock::now() - t_start).count();
  double agent_start_mib = 0;  // the largest agent right after its hello
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    auto hwm = proc_status_kib(fleet.agent(i).proc.pid(), "VmHWM");
    ASSERT_TRUE(hwm.has_value()) << fleet.agent(i).id << ": cannot read VmHWM";
    agent_start_mib = std::max(agent_start_mib, *hwm / 1024.0);
  }
  auto report_failure = [&](const std::string& what) {
    // Appends the log tails of at most 3 agents: those that exited or failed first, then those
    // whose upload did not end ok.
    std::string out = what;
    int printed = 0;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 0; i < fleet.size() && printed < 3; ++i) {
        FleetAgent& a = fleet.agent(i);
        const bool broken = a.proc.pid() < 0 || !a.failure.empty();
        if (pass == 0 ? !broken : (broken || a.up.done)) continue;
        out += "\n--- " + a.id + " (state " + a.state + ") " + a.log_path() + " ---\n" +
               tail(a.log_path(), 20);
        ++printed;
      }
    }
    return out;
  };

  for (std::size_t i = 0; i < fleet.size(); ++i) fleet.agent(i).cid = fleet.agent(i).id;
  auto manifest_for = [&](const FleetAgent& a) {
    msg::Manifest m;
    m.id = a.cid;
    m.name = "many-agents";
    m.algorithm.hash = algo_sha;
    m.algorithm.user_key_der = algo_key->public_key().to_der();
    m.algorithm.algo_type = "bin";
    m.datasets.push_back({*data_sha, data_key->public_key().to_der(), "data.bin", false});
    m.result_consumers.push_back({consumer->public_key().to_der()});
    m.timeout_s = 600;
    return m;
  };
  {
    auto s = fleet.request_all(
        "manifest.put", [&](const FleetAgent& a) { return msg::ManifestPut{manifest_for(a)}; },
        deadline);
    ASSERT_TRUE(s.ok()) << report_failure(s.error().to_string());
  }

  // The algorithm: small, but also all at once.
  {
    auto fig = fleet.upload_all(
        [&](const FleetAgent& a) -> Result<UploadJob> {
          UploadJob j;
          j.path = algo_path;
          j.begin.item = "algorithm";
          j.begin.size = std::string_view(kAlgorithm).size();
          j.begin.sha3_256 = algo_sha;
          auto sig =
              algo_key->sign(as_bytes(upload_statement(a.cid, UploadItem::algorithm(), algo_sha)));
          if (!sig) return sig.take_error();
          j.begin.signature = *sig;
          return j;
        },
        deadline);
    ASSERT_TRUE(fig.ok()) << report_failure("algorithm upload: " + fig.error().to_string());
    auto s = fleet.wait_state_all("receivingData", deadline);
    ASSERT_TRUE(s.ok()) << report_failure(s.error().to_string());
  }

  // The datasets: N x size, all open at once, interleaved.
  auto fig = fleet.upload_all(
      [&](const FleetAgent& a) -> Result<UploadJob> {
        UploadJob j;
        j.path = data_path;
        j.begin.item = "dataset";
        j.begin.index = 0;
        j.begin.filename = "data.bin";
        j.begin.size = size;
        j.begin.sha3_256 = *data_sha;
        auto sig = data_key->sign(
            as_bytes(upload_statement(a.cid, UploadItem::dataset(0, "data.bin"), *data_sha)));
        if (!sig) return sig.take_error();
        j.begin.signature = *sig;
        return j;
      },
      deadline);
  ASSERT_TRUE(fig.ok()) << report_failure("dataset upload: " + fig.error().to_string());
  EXPECT_EQ(fig->open_at_once, n_agents);
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_TRUE(fleet.agent(i).up.done) << fleet.agent(i).id << ": upload.end not ok";
  }

  // Every computation ran on its whole dataset.
  {
    auto s = fleet.wait_state_all("resultsReady", deadline);
    ASSERT_TRUE(s.ok()) << report_failure(s.error().to_string());
  }
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    const FleetAgent& a = fleet.agent(i);
    const std::string zip = a.work_dir() + "/computations/" + a.cid + "/results.zip";
    const std::string out = a.dir + "/result";
    auto x = archive::extract_zip(zip, out);
    ASSERT_TRUE(x.ok()) << a.id << ": " << x.error().to_string();
    EXPECT_EQ(std::strtoull(read_text(out + "/size.txt").c_str(), nullptr, 10), size)
        << a.id << ": the algorithm did not read the whole dataset";
  }

  // Memory: each agent's peak, and ours.
  std::vector<double> agent_peaks;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    auto hwm = proc_status_kib(fleet.agent(i).proc.pid(), "VmHWM");
    ASSERT_TRUE(hwm.has_value()) << fleet.agent(i).id << ": cannot read VmHWM";
    agent_peaks.push_back(*hwm / 1024.0);
  }
  auto self_hwm = proc_status_kib(::getpid(), "VmHWM");
  ASSERT_TRUE(self_hwm.has_value());
  const double manager_peak = *self_hwm / 1024.0;
  const double in_flight_mib =
      static_cast<double>(n_agents) * fig->max_window * fig->max_chunk_size / kMiB;
  const double manager_extra = kSanitized ? manager_start_mib : 0;
  const double agent_extra = kSanitized ? agent_start_mib : 0;
  const double manager_bound = in_flight_mib + kManagerMarginMiB + manager_extra;
  const double agent_bound = kAgentPeakBoundMiB + agent_extra;
  std::vector<double> sorted = agent_peaks;
  std::sort(sorted.begin(), sorted.end());
  const double total_mib = static_cast<double>(fig->bytes) / kMiB;

  std::printf(
      "[many_agents] %zu agents x %.0f MiB = %.0f MiB uploaded at once (%zu uploads open "
      "together; chunk %u B, window %u)\n"
      "[many_agents] agents started (all hellos) in %.1f s; dataset stream (first chunk .. last "
      "upload.end ok) %.1f s = %.1f MiB/s aggregate; whole test %.1f s\n",
      n_agents, static_cast<double>(size) / kMiB, total_mib, fig->open_at_once, fig->max_chunk_size,
      fig->max_window, start_s, fig->stream_seconds, total_mib / fig->stream_seconds,
      std::chrono::duration<double>(bus::Clock::now() - t_start).count());
  std::printf(
      "[many_agents] agents' peak RSS (VmHWM): max %.1f MiB, median %.1f MiB, min %.1f MiB; "
      "largest right after hello %.1f MiB (bound %.0f MiB%s)\n",
      sorted.back(), sorted[sorted.size() / 2], sorted.front(), agent_start_mib, agent_bound,
      kSanitized ? (" = 64 + " + fmt("%.0f", agent_extra) + " sanitizer start-up").c_str() : "");
  std::printf(
      "[many_agents] manager peak RSS (VmHWM): %.1f MiB, %.1f MiB at start (bound %.0f MiB = "
      "%zu agents x %u credits x %.2f MiB in flight + %.0f MiB margin%s)\n",
      manager_peak, manager_start_mib, manager_bound, n_agents, fig->max_window,
      fig->max_chunk_size / kMiB, kManagerMarginMiB,
      kSanitized ? (" + " + fmt("%.0f", manager_extra) + " sanitizer start-up").c_str() : "");
  std::fflush(stdout);

  for (std::size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_LE(agent_peaks[i], agent_bound) << fleet.agent(i).id << " peak RSS";
  }
  EXPECT_LE(manager_peak, manager_bound) << "manager peak RSS";
}

}  // namespace
}  // namespace cocos::reliability
