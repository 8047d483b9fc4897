// Streaming, resumable, hash-checked upload staging (see upload_sink.h).
#include "cocos/agent/core/upload_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <vector>

namespace cocos::agent {
namespace {

std::string meta_json(std::uint64_t size, const Bytes& sha3) {
  return nlohmann::json{{"size", size}, {"sha3_256", to_hex(sha3)}}.dump();
}

// True when the meta next to a partial file describes this very upload.
bool meta_matches(const std::string& meta_path, std::uint64_t size, const Bytes& sha3) {
  auto text = read_file(meta_path);
  if (!text) return false;
  return *text == meta_json(size, sha3);
}

}  // namespace

Result<UploadSink> UploadSink::open(const std::string& path, std::uint64_t size,
                                    const Bytes& sha3) {
  UploadSink s;
  s.path_ = path;
  s.size_ = size;
  s.expected_ = sha3;
  const std::string meta = path + ".meta";
  const bool resume = meta_matches(meta, size, sha3);
  int flags = O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC);
  s.fd_ = UniqueFd(::open(path.c_str(), flags, 0600));
  if (!s.fd_.valid()) return errno_error(path, errno);
  if (!resume) {
    if (auto st = write_file_atomic(meta, meta_json(size, sha3)); !st) {
      s.discard();
      return st.take_error();
    }
    s.start_writer();
    return s;
  }
  struct stat st {};
  if (::fstat(s.fd_.get(), &st) != 0) return errno_error(path, errno);
  std::uint64_t have = static_cast<std::uint64_t>(st.st_size);
  if (have > size) {
    // More than declared can never verify: start over.
    if (::ftruncate(s.fd_.get(), 0) != 0) return errno_error(path, errno);
    have = 0;
  }
  // Re-hash the prefix from disk: the hasher state did not survive the cut.
  std::vector<std::uint8_t> buf(1 << 20);
  std::uint64_t done = 0;
  while (done < have) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), have - done));
    ssize_t n = ::pread(s.fd_.get(), buf.data(), want, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(path, errno);
    }
    if (n == 0) break;
    s.hasher_.update(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    done += static_cast<std::uint64_t>(n);
  }
  s.offset_ = done;
  s.start_writer();
  return s;
}

UploadSink::~UploadSink() = default;

UploadSink& UploadSink::operator=(UploadSink&& other) noexcept {
  if (this != &other) {
    writer_.reset();
    path_ = std::move(other.path_);
    size_ = other.size_;
    expected_ = std::move(other.expected_);
    hasher_ = std::move(other.hasher_);
    fd_ = std::move(other.fd_);
    writer_ = std::move(other.writer_);
    offset_ = other.offset_;
  }
  return *this;
}

void UploadSink::start_writer() {
  // O_DIRECT: a dataset is hashed once and read later by the algorithm, so caching it while it
  // streams in would only take the CVM's memory.
  BackgroundWriter::Options o;
  o.max_queued = kMaxQueued;
  o.direct = true;
  writer_ = std::make_unique<BackgroundWriter>(fd_.get(), offset_, path_, o);
}

std::uint64_t UploadSink::written() const {
  return writer_ ? writer_->written() : offset_;
}

Status UploadSink::write(std::uint64_t offset, Chunk data) {
  if (!fd_.valid() || !writer_) return make_error("io_error", "upload sink is closed");
  if (offset != offset_) {
    return make_error("bad_message", "chunk at offset " + std::to_string(offset) + ", expected " +
                                         std::to_string(offset_));
  }
  if (data.size() > size_ - offset_) {
    discard();
    return make_error("size_mismatch",
                      "more bytes than the declared size " + std::to_string(size_));
  }
  // Hash here while the writer thread writes the chunks before this one.
  hasher_.update(data.bytes());
  offset_ += data.size();
  if (auto st = writer_->push(std::move(data)); !st) {
    discard();
    return st;
  }
  return ok_status();
}

Status UploadSink::flush() {
  if (!fd_.valid() || !writer_) return make_error("io_error", "upload sink is closed");
  if (auto st = writer_->flush(); !st) {
    if (st.error().code == "no_space") discard();
    return st;
  }
  return ok_status();
}

Status UploadSink::finish() {
  if (auto st = flush(); !st) return st;
  // The one wait for the disk: an accepted item is durable. Write-back of all but the tail was
  // started while the upload ran, so this is short.
  if (::fdatasync(fd_.get()) != 0) {
    Error e = errno_error(path_, errno);
    discard();
    return e;
  }
  if (offset_ != size_) {
    discard();
    return make_error("size_mismatch", "received " + std::to_string(offset_) + " bytes, declared " +
                                           std::to_string(size_));
  }
  Bytes got = hasher_.finish();
  if (got != expected_) {
    discard();
    return make_error("hash_mismatch", "SHA3-256 is " + to_hex(got) + ", the manifest declares " +
                                           to_hex(expected_));
  }
  writer_.reset();
  fd_.reset();
  ::unlink((path_ + ".meta").c_str());
  return ok_status();
}

void UploadSink::discard() {
  writer_.reset();
  fd_.reset();
  ::unlink(path_.c_str());
  ::unlink((path_ + ".meta").c_str());
  offset_ = 0;
}

}  // namespace cocos::agent
