// serve subcommand: hold every agent that connects until SIGINT or SIGTERM.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <memory>

#include "cocos/common/unique_fd.h"
#include "cocos/manager/http/monitor.h"
#include "cocos/manager/serve.h"
#include "commands.h"

namespace cocos::manager::app {

int run_serve(const ServeOptions& o) {
  // SIGINT/SIGTERM become readable on a signalfd, asked between messages: blocked here, before
  // the HTTP and bus threads start, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    std::cerr << "cocos-manager: serve: cannot block SIGINT/SIGTERM\n";
    return 1;
  }
  UniqueFd signals(::signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals.valid()) {
    std::cerr << "cocos-manager: serve: signalfd failed\n";
    return 1;
  }
  int stopped_by = 0;
  auto stop = [&] {
    signalfd_siginfo si{};
    if (stopped_by == 0 && ::read(signals.get(), &si, sizeof si) == sizeof si) {
      stopped_by = static_cast<int>(si.ssi_signo);
    }
    return stopped_by != 0;
  };

  ServeConfig c;
  c.bind = o.bind;
  c.events_dir = o.events_log.empty() ? default_events_dir() : o.events_log;
  c.router.curve_key = o.curve_key;
  c.router.curve_agent_keys = o.curve_agent_keys;
  std::unique_ptr<http::Monitor> monitor;
  if (!start_dashboard(o.http, monitor, c.monitor)) return 1;
  auto served = serve_agents(c, std::cout, stop);
  if (!served) {
    std::cout << std::flush;
    std::cerr << "cocos-manager: serve: " << served.error().to_string() << "\n";
    return 1;
  }
  const char* name = ::sigabbrev_np(stopped_by);
  std::cout << "manager: stopped by SIG" << (name ? name : "?") << ": " << served->agents
            << " agent(s) heard, " << served->events << " event(s) stored\n"
            << std::flush;
  return 0;
}

}  // namespace cocos::manager::app
