// Receives one uploaded item into a staging file while computing its SHA3-256 in the same pass.
//
// The staging file `<path>` sits next to a small `<path>.meta` (JSON: declared size and hash).
// Opening a sink whose staging file and meta describe the same upload (same size and hash)
// resumes it: the prefix already on disk is re-hashed and writing continues at its end, so an
// upload cut by a reconnect or an agent restart does not start from zero. Any other leftover is
// truncated away.
//
// Memory stays flat: chunks are written straight from the caller's buffer, and the only buffer
// the sink owns is the one used to re-hash a resumed prefix. On a full disk the partial file is
// removed and the error is "no_space". finish() checks size and hash; on a mismatch the partial
// file is deleted ("size_mismatch", "hash_mismatch") so a correct retry starts clean.
//
// Not thread-safe. Dropping a sink closes the file and keeps the partial data for a resume.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cocos/agent/core/files.h"
#include "cocos/common/encoding.h"
#include "cocos/common/hash.h"
#include "cocos/common/result.h"

namespace cocos::agent {

class UploadSink {
 public:
  // Opens or resumes the staging file at `path` for an item of `size` bytes with hash `sha3`.
  static Result<UploadSink> open(const std::string& path, std::uint64_t size, const Bytes& sha3);

  UploadSink(UploadSink&&) = default;
  UploadSink& operator=(UploadSink&&) = default;

  std::uint64_t size() const { return size_; }
  std::uint64_t offset() const { return offset_; }    // bytes written so far
  std::uint64_t durable() const { return durable_; }  // bytes known to be on disk (fsync'ed)
  const std::string& path() const { return path_; }

  // Appends `data`, which must start at `offset` == offset(). Writing past the declared size is
  // "size_mismatch"; ENOSPC is "no_space" (the partial file is removed). A wrong offset is
  // "bad_message" and changes nothing.
  Status write(std::uint64_t offset, std::span<const std::uint8_t> data);

  // fsync; afterwards durable() == offset().
  Status sync();

  // All bytes received? Syncs, then checks size and hash. On success the complete file stays at
  // path() (the caller moves it) and the meta is removed; on failure both are removed.
  Status finish();

  // Removes the staging file and its meta (abort, stop, or a failed check).
  void discard();

 private:
  UploadSink() : hasher_(HashAlg::kSha3_256) {}

  std::string path_;
  std::uint64_t size_ = 0;
  Bytes expected_;
  Hasher hasher_;
  UniqueFd fd_;
  std::uint64_t offset_ = 0;
  std::uint64_t durable_ = 0;
};

}  // namespace cocos::agent
