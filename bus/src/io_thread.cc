// use_realtime_io_threads: probe on a throw-away thread, then set the context options.
#include "cocos/bus/io_thread.h"

#include <pthread.h>
#include <sched.h>

#include <string>
#include <system_error>
#include <thread>

namespace cocos::bus {

namespace {

// pthread_setschedparam's result for a new thread of this process asking for `priority`.
int probe_fifo(int priority) {
  int rc = 0;
  std::thread probe([&rc, priority] {
    sched_param param{};
    param.sched_priority = priority;
    rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
  });
  probe.join();
  return rc;
}

}  // namespace

Status use_realtime_io_threads(zmq::context_t& ctx, int priority) {
  if (priority < sched_get_priority_min(SCHED_FIFO) ||
      priority > sched_get_priority_max(SCHED_FIFO)) {
    return make_error("bad_argument",
                      "real-time priority " + std::to_string(priority) + " is outside 1..99");
  }
  if (const int rc = probe_fifo(priority); rc != 0) {
    return make_error("permission_denied", "SCHED_FIFO priority " + std::to_string(priority) +
                                               " is not permitted here (" +
                                               std::generic_category().message(rc) +
                                               "; needs CAP_SYS_NICE or RLIMIT_RTPRIO)");
  }
  ctx.set(zmq::ctxopt::thread_sched_policy, SCHED_FIFO);
  ctx.set(zmq::ctxopt::thread_priority, priority);
  return ok_status();
}

}  // namespace cocos::bus
