// run and watch subcommands.
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cocos/manager/http/monitor.h"
#include "cocos/manager/run.h"
#include "cocos/manager/watcher.h"
#include "commands.h"

namespace cocos::manager::app {

std::string default_events_dir() {
  if (const char* e = std::getenv("COCOS_MANAGER_EVENTS"); e && *e) return e;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x)
    return std::string(x) + "/cocos-manager/events";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/cocos-manager/events";
}

bool start_dashboard(const std::string& address, std::unique_ptr<http::Monitor>& monitor,
                     SessionObserver& observer) {
  if (address.empty()) return true;
  auto started = http::Monitor::start(address);
  if (!started) {
    std::cerr << "cocos-manager: --http: " << started.error().to_string() << "\n";
    return false;
  }
  monitor = std::move(*started);
  observer = monitor->observer();
  std::cout << "manager: dashboard at " << monitor->url() << "\n" << std::flush;
  return true;
}

int run_run(const RunOptions& o) {
  RunConfig c;
  c.bind = o.bind;
  c.manifest = o.manifest;
  c.algorithm = o.algorithm;
  c.algorithm_sig = o.algorithm_sig;
  c.requirements = o.requirements;
  c.requirements_sig = o.requirements_sig;
  if (c.requirements.empty() != c.requirements_sig.empty()) {
    std::cerr << "cocos-manager: --requirements and --requirements-sig go together\n";
    return 2;
  }
  for (const auto& d : o.datasets) {
    // FILE:SIG, split at the last ':' so that file names may contain ':'.
    auto colon = d.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == d.size()) {
      std::cerr << "cocos-manager: --dataset wants FILE:SIG, got '" << d << "'\n";
      return 2;
    }
    c.datasets.push_back({d.substr(0, colon), d.substr(colon + 1)});
  }
  c.consumer_key = o.consumer_key;
  c.results = o.results;
  c.agent = o.agent;
  c.timeout = std::chrono::seconds(o.timeout);
  c.events_dir = o.events_log.empty() ? default_events_dir() : o.events_log;
  c.router.curve_key = o.curve_key;
  c.router.curve_agent_keys = o.curve_agent_keys;
  c.live_progress = ::isatty(STDOUT_FILENO) == 1;
  std::unique_ptr<http::Monitor> monitor;
  if (!start_dashboard(o.http, monitor, c.monitor)) return 1;
  auto report = [](const Status& st) {
    if (st) return 0;
    std::cout << std::flush;
    std::cerr << "cocos-manager: run failed: " << st.error().to_string() << "\n";
    return 1;
  };
  bool held = false;
  if (monitor && o.http_hold) {
    // Until a line (Enter) or end of input on stdin; the agents keep being served meanwhile.
    c.hold = [&](const Status& st) {
      if (!held) {
        held = true;
        const int rc = report(st);
        std::cout << "manager: run finished (exit " << rc << "); dashboard at " << monitor->url()
                  << " until Enter\n"
                  << std::flush;
      }
      pollfd in{STDIN_FILENO, POLLIN, 0};
      if (::poll(&in, 1, 0) <= 0) return false;
      std::string line;
      std::getline(std::cin, line);
      return true;
    };
  }
  const Status st = run_computation(c, std::cout);
  return held ? (st ? 0 : 1) : report(st);
}

int run_watch(const WatchOptions& o) {
  WatchConfig c;
  c.connect = o.connect;
  c.agent = o.agent;
  c.json = o.json;
  c.spin = std::chrono::microseconds(o.spin_us);
  c.rt_priority = static_cast<int>(o.rt_priority);
  c.count = o.count;
  c.curve_server_key = o.curve_server_key;
  c.curve_key = o.curve_key;
  auto st = watch_events(c, std::cout);
  if (!st) {
    std::cerr << "cocos-manager: watch: " << st.error().to_string() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace cocos::manager::app
