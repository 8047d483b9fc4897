// Writer thread of BackgroundWriter (see background_writer.h).
#include "cocos/common/background_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>

#include "cocos/common/sys_error.h"

namespace cocos {

BackgroundWriter::BackgroundWriter(int fd, std::uint64_t offset, std::string path,
                                   std::size_t max_queued, std::uint64_t kick_bytes)
    : fd_(fd),
      path_(std::move(path)),
      max_queued_(max_queued == 0 ? 1 : max_queued),
      kick_bytes_(kick_bytes),
      written_(offset),
      thread_([this] { run(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_writer_.notify_one();
  thread_.join();
}

Status BackgroundWriter::error_locked() const {
  if (error_) return *error_;
  return ok_status();
}

Status BackgroundWriter::push(Chunk chunk) {
  std::unique_lock lock(mu_);
  wake_caller_.wait(lock, [&] { return queue_.size() < max_queued_ || error_; });
  if (error_) return *error_;
  queue_.push_back(std::move(chunk));
  lock.unlock();
  wake_writer_.notify_one();
  return ok_status();
}

Status BackgroundWriter::flush() {
  std::unique_lock lock(mu_);
  wake_caller_.wait(lock, [&] { return (queue_.empty() && !writing_) || error_; });
  return error_locked();
}

std::uint64_t BackgroundWriter::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

void BackgroundWriter::run() {
  // Named, so per-thread CPU figures (the benchmark's notes, top -H) show the writer apart.
  ::pthread_setname_np(::pthread_self(), "cocos-writer");
  std::uint64_t kicked = written_;  // write-back was started for [.., kicked)
  std::unique_lock lock(mu_);
  for (;;) {
    wake_writer_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (queue_.empty()) return;  // stop, and everything queued is written
    Chunk chunk = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    const std::uint64_t at = written_;
    const bool failed = error_.has_value();
    lock.unlock();
    wake_caller_.notify_one();  // room in the queue

    std::optional<Error> err;
    std::span<const std::uint8_t> left = chunk.bytes();
    std::uint64_t pos = at;
    while (!failed && !left.empty()) {
      ssize_t n = ::pwrite(fd_, left.data(), left.size(), static_cast<off_t>(pos));
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno_error(path_, errno);
        break;
      }
      left = left.subspan(static_cast<std::size_t>(n));
      pos += static_cast<std::uint64_t>(n);
    }
    if (!failed && !err && kick_bytes_ > 0 && pos - kicked >= kick_bytes_) {
      // Start write-back of what accumulated; the pages stay cached, the call does not wait.
      (void)::sync_file_range(fd_, static_cast<off_t>(kicked), static_cast<off_t>(pos - kicked),
                              SYNC_FILE_RANGE_WRITE);
      kicked = pos;
    }
    chunk = Chunk();  // release the buffer before taking the lock again

    lock.lock();
    writing_ = false;
    if (err && !error_) error_ = std::move(err);
    if (!error_) written_ = pos;
    if (queue_.empty() || error_) wake_caller_.notify_all();
  }
}

}  // namespace cocos
