// Agent start-up: the real cocos-agent, from fork until its hello reaches our ROUTER (so the
// figure includes exec, configuration, work-dir set-up, the bus connection and one loopback
// delivery), then its resident set after idling (VmRSS), median over several starts.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "benches.h"
#include "cocos/manager/agent_session.h"
#include "cocos/manager/router.h"
#include "gbench.h"
#include "support/process.h"

namespace cocos::bench {

using test_support::Child;
using test_support::proc_status_kib;
using test_support::TempDir;

std::vector<std::string> agent_argv(const Options& o, const std::string& endpoint,
                                    const std::string& work_dir) {
  return {o.agent_bin, "--agent-id",        "bench-agent", "--manager",   endpoint, "--work-dir",
          work_dir,    "--snp-mode",        "off",         "--log-level", "warn",   "--heartbeat",
          "5",         "--default-timeout", "3600"};
}

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

void bench_agent_start(const Options& o, Report& r) {
  struct stat st {};
  if (::stat(o.agent_bin.c_str(), &st) != 0) {
    return r.skipped("agent_start", o.agent_bin + " not found (cocos-agent not built)");
  }
  std::vector<double> start_ms, rss_mib;
  for (int i = 0; i < o.agent_starts(); ++i) {
    auto dir = TempDir::create(o.work_base, "cocos-bench-start-");
    if (!dir) return r.skipped("agent_start", dir.error().to_string());
    auto router = manager::Router::bind("tcp://127.0.0.1:*");
    if (!router) return r.skipped("agent_start", router.error().to_string());
    manager::AgentSession session(*router, dir->path() + "/events", {});
    const auto t0 = std::chrono::steady_clock::now();
    auto child = Child::spawn(agent_argv(o, router->endpoint(), dir->path() + "/work"),
                              dir->path() + "/agent.log");
    if (!child) return r.skipped("agent_start", child.error().to_string());
    auto hello = session.wait_agent("", t0 + std::chrono::seconds(30));
    if (!hello) return r.skipped("agent_start", hello.error().to_string());
    const auto t1 = std::chrono::steady_clock::now();
    start_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    // Idle: the session answers the agent's events and pings until the deadline.
    auto idle = session.pump_until([] { return false; },
                                   t1 + std::chrono::milliseconds(o.quick ? 300 : 2000));
    if (!idle && idle.error().code != "timeout") {
      return r.skipped("agent_start", idle.error().to_string());
    }
    auto rss = proc_status_kib(child->pid(), "VmRSS");
    if (!rss) return r.skipped("agent_start", "cannot read VmRSS of the agent");
    rss_mib.push_back(*rss / 1024.0);
  }
  r.set("agent_start_ms", median(start_ms), "ms", "<= 50");
  r.set("agent_idle_rss_mib", median(rss_mib), "MiB", "<= 16");
  char note[200];
  std::snprintf(note, sizeof note,
                "median of %d starts (fork -> hello received; min %.1f ms, max %.1f ms), "
                "--snp-mode off, no vTPM; RSS after %s idle",
                o.agent_starts(), *std::min_element(start_ms.begin(), start_ms.end()),
                *std::max_element(start_ms.begin(), start_ms.end()), o.quick ? "0.3 s" : "2 s");
  r.note("agent_start", note);
}

}  // namespace cocos::bench
