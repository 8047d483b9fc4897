// Scheduling of a zmq context's I/O thread. Every message a process sends or receives over tcp
// passes through that thread (application thread -> I/O thread -> kernel, and back), so each
// event pays two thread wake-ups. When a CPU-bound thread (an algorithm, a hash, a spinning
// subscriber) holds the CPUs, a woken I/O thread under the normal policy waits for a time
// slice, and that wait, not the network, is the tail of event latency and heartbeat jitter.
// Under SCHED_FIFO the I/O thread runs as soon as it has work; it sleeps in epoll otherwise,
// so it costs nothing while idle, and the kernel's real-time throttling still bounds it.
#pragma once

#include <zmq.hpp>

#include "cocos/common/result.h"

namespace cocos::bus {

// Asks libzmq to start `ctx`'s I/O threads under SCHED_FIFO at `priority` (1..99). Call it
// before the first socket is created on the context: libzmq starts its threads then.
// libzmq aborts the process when its new thread cannot take the policy, so this first checks,
// on a short-lived thread of its own, that this process may use it. When it may not (no
// CAP_SYS_NICE and RLIMIT_RTPRIO too low, a container without the capability, a cgroup without
// real-time budget) it returns "permission_denied" and leaves the context unchanged: the
// threads then run under the normal policy. "bad_argument" for a priority outside 1..99.
Status use_realtime_io_threads(zmq::context_t& ctx, int priority);

}  // namespace cocos::bus
