// Receives one uploaded item into a staging file while computing its SHA3-256 in the same pass.
//
// The staging file `<path>` sits next to a small `<path>.meta` (JSON: declared size and hash).
// Opening a sink whose staging file and meta describe the same upload (same size and hash)
// resumes it: the prefix already on disk is re-hashed and writing continues at its end, so an
// upload cut by a reconnect or an agent restart does not start from zero. Any other leftover is
// truncated away.
//
// The caller's thread hashes each chunk while a BackgroundWriter thread writes the previous ones
// (the received buffer itself, no copy), so hashing and writing overlap on two cores. Memory stays
// flat: at most kMaxQueued chunks wait for the disk, and write() blocks beyond that.
//
// Durability: bytes are written to the file, which survives an agent crash (the kernel keeps
// them); only finish() waits for the disk (fdatasync) before an item is accepted. A resume after a
// machine crash re-hashes whatever the file holds, and finish() checks the whole hash, so torn
// data can never be accepted. On a full disk the partial file is removed and the error is
// "no_space". finish() checks size and hash; on a mismatch the partial file is deleted
// ("size_mismatch", "hash_mismatch") so a correct retry starts clean.
//
// Not thread-safe (one caller thread). Dropping a sink writes what is queued, closes the file and
// keeps the partial data for a resume.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cocos/agent/core/files.h"
#include "cocos/common/background_writer.h"
#include "cocos/common/chunk.h"
#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/common/result.h"

namespace cocos::agent {

class UploadSink {
 public:
  // Opens or resumes the staging file at `path` for an item of `size` bytes with hash `sha3`.
  static Result<UploadSink> open(const std::string& path, std::uint64_t size, const Bytes& sha3);

  // Chunks waiting for the writer thread at most (bounds the sink's memory).
  static constexpr std::size_t kMaxQueued = 8;

  UploadSink(UploadSink&&) = default;
  // Stops this sink's writer before its file is replaced (the defaulted one would close the file
  // under a running writer).
  UploadSink& operator=(UploadSink&& other) noexcept;
  ~UploadSink();

  std::uint64_t size() const { return size_; }
  std::uint64_t offset() const { return offset_; }  // bytes accepted (hashed) so far
  std::uint64_t written() const;                    // bytes in the file (survive an agent crash)
  const std::string& path() const { return path_; }

  // Appends `data`, which must start at `offset` == offset(). Writing past the declared size is
  // "size_mismatch"; ENOSPC is "no_space" (the partial file is removed; it may surface one call
  // later, the writer being asynchronous). A wrong offset is "bad_message" and changes nothing.
  Status write(std::uint64_t offset, Chunk data);

  // Waits for the writer: afterwards written() == offset().
  Status flush();

  // All bytes received? Flushes and fdatasyncs, then checks size and hash. On success the complete
  // file stays at path() (the caller moves it) and the meta is removed; on failure both are
  // removed.
  Status finish();

  // Removes the staging file and its meta (abort, stop, or a failed check).
  void discard();

 private:
  UploadSink() : hasher_(HashAlg::kSha3_256) {}
  void start_writer();

  std::string path_;
  std::uint64_t size_ = 0;
  Bytes expected_;
  Hasher hasher_;
  UniqueFd fd_;
  std::unique_ptr<BackgroundWriter> writer_;  // after fd_: stops before the file is closed
  std::uint64_t offset_ = 0;
};

}  // namespace cocos::agent
