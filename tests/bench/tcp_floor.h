// The floor under event latency on this machine, measured in the same run: plain TCP over
// loopback, no zmq, no encoding, and no thread hand-off on either side. A sender process
// (cocos-bench --role tcp-sender) writes one fixed-size record, stamped with the steady clock,
// every INTERVAL µs; this process receives with a non-blocking read in a loop (always awake, as
// the event subscriber while it spins). What remains is the kernel's loopback path and the
// scheduling of two vCPUs by the host: no transport over tcp can do better than this.
//
// With `blocking`, the receiver sleeps in poll() between records instead: every record then
// costs one wake-up of a sleeping thread, the least any zmq transport pays (libzmq's I/O thread
// always sleeps in epoll_wait until data arrives), so this is the floor under zmq over tcp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cocos/common/result.h"

namespace cocos::bench {

inline constexpr std::size_t kTcpFloorRecordBytes = 160;  // about one encoded lifecycle event

// Listens on 127.0.0.1, starts the sender role with `count` records `interval_us` apart and
// returns each record's latency in µs (receive time - stamp).
Result<std::vector<double>> tcp_floor_latencies(int count, int interval_us, bool blocking = false);

// The sender role: connects to 127.0.0.1:`port` and sends `count` stamped records.
int tcp_sender(int port, int count, int interval_us);

}  // namespace cocos::bench
