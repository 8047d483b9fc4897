// BackgroundWriter: writes a stream of Chunks to a file on its own thread, at increasing offsets,
// so that a caller who hashes the same bytes (an upload being received, a result being
// downloaded) runs the two heaviest steps of a transfer on two cores instead of one.
//
// Memory is bounded: at most `max_queued` chunks wait for the writer; push() blocks while the
// queue is full, which is how a slow disk slows the sender down (through the credits the caller
// grants only after push() returns). Every `kick_bytes` written, write-back of the range is
// started (sync_file_range, asynchronous), so that a final fdatasync() waits only for the tail
// instead of the whole file.
//
// With `direct`, the stream goes to the disk with O_DIRECT through one reused, aligned 1 MiB
// block buffer instead of through the page cache: a multi-GiB upload then neither fills the
// machine's memory with cache (precious in a confidential VM) nor pays for fresh page-cache pages
// on every byte; only a partial last block is written through the cache (at flush()). Where the
// file system refuses O_DIRECT (tmpfs), the writer silently uses the page cache.
//
// The first write error is kept (code "no_space" for a full disk, "io_error" otherwise): push()
// and flush() return it, and chunks pushed after it are dropped.
//
// One producer thread. The file descriptor is not owned: it must outlive the writer. Dropping the
// writer writes what is still queued (it is a valid prefix of the stream) and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cocos/common/chunk.h"
#include "cocos/common/result.h"

namespace cocos {

class BackgroundWriter {
 public:
  static constexpr std::uint64_t kDefaultKickBytes = 8u << 20;

  struct Options {
    std::size_t max_queued = 8;
    std::uint64_t kick_bytes = kDefaultKickBytes;  // write-back start interval (page cache)
    bool direct = false;                           // O_DIRECT where the file system allows it
  };

  // Writes start at `offset` of `fd`, the file at `path` (errors name it; `direct` opens it a
  // second time with O_DIRECT).
  BackgroundWriter(int fd, std::uint64_t offset, std::string path, Options options);
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Queues `chunk` to be written right after the previous one. Blocks while `max_queued` chunks
  // wait. Returns the writer's first error, if any (the chunk is then dropped).
  Status push(Chunk chunk);

  // Waits until every queued chunk is in the file (page cache or disk); returns the first error.
  Status flush();

  // Bytes written to the file so far (all of them after a successful flush()).
  std::uint64_t written() const;

 private:
  class DirectStage;
  void run();
  // Writes `bytes` at `pos` through the page cache (or the direct stage); returns the new end.
  Result<std::uint64_t> write_out(std::span<const std::uint8_t> bytes, std::uint64_t pos);

  const int fd_;
  const std::string path_;
  const std::size_t max_queued_;
  const std::uint64_t kick_bytes_;
  std::unique_ptr<DirectStage> direct_;  // only the writer thread touches it

  mutable std::mutex mu_;
  std::condition_variable wake_writer_;  // a chunk was queued, or stop
  std::condition_variable wake_caller_;  // room in the queue, or the queue drained
  std::deque<Chunk> queue_;
  bool writing_ = false;        // the writer holds a chunk outside the queue
  bool flush_pending_ = false;  // flush() waits for the staged tail to reach the file
  bool stop_ = false;
  std::uint64_t written_ = 0;  // absolute file offset reached
  std::optional<Error> error_;

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace cocos
