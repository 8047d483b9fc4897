// cocos-agent: parse the configuration, set up logging and signals, run the agent loop.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>

#include <cstdio>

#include "agent_app.h"
#include "cocos/agent/core/config.h"
#include "cocos/common/malloc_tuning.h"
#include "cocos/common/unique_fd.h"

int main(int argc, char** argv) {
  auto parsed = cocos::agent::parse_config(argc, argv, cocos::agent::process_environment());
  if (!parsed) {
    std::fprintf(stderr, "cocos-agent: %s\n", parsed.error().message.c_str());
    return 2;
  }
  if (parsed->exit_now) {
    std::fputs(parsed->output.c_str(), stdout);
    return 0;
  }
  cocos::keep_bulk_buffers_in_heap();
  auto logger = spdlog::stderr_color_mt("agent");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(parsed->config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  // Block the signals in every thread (workers inherit the mask); the loop reads them from a fd.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  cocos::UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd.valid()) {
    spdlog::critical("signalfd failed");
    return 1;
  }
  auto app = cocos::agent::app::AgentApp::create(parsed->config, sfd.get());
  if (!app) {
    spdlog::critical("cannot start: {}", app.error().to_string());
    return 1;
  }
  return (*app)->run();
}
