// Process-wide allocator setting for programs that stream large transfers (agent, manager).
#pragma once

namespace cocos {

// Bulk transfers allocate one 1 MiB frame per chunk (ZeroMQ's receive buffers, outgoing frames):
// keep such blocks in the heap for reuse instead of mapping and unmapping fresh memory per chunk.
// Fresh pages cost a fault each, and far more on VMs whose memory the host backs lazily (measured
// here: 4 ms per MiB on first touch). What stays mapped is bounded by the chunks in flight.
// Call once, first thing in main().
void keep_bulk_buffers_in_heap();

}  // namespace cocos
