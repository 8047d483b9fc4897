// Writer thread of BackgroundWriter (see background_writer.h), and its O_DIRECT stage.
#include "cocos/common/background_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cocos/common/sys_error.h"

namespace cocos {

// The O_DIRECT path: bytes are copied into one aligned block buffer; every full buffer is written
// to the disk with O_DIRECT at an aligned offset. What is left (less than a buffer) is written
// through the page cache by write_tail() but stays in the buffer, so that the next direct write
// still starts at an aligned offset and simply rewrites that block.
class BackgroundWriter::DirectStage {
 public:
  static constexpr std::size_t kAlign = 4096;
  static constexpr std::size_t kSize = 1 << 20;

  // nullptr where O_DIRECT is not available for `path` (the caller then uses the page cache).
  static std::unique_ptr<DirectStage> open(const std::string& path, int buffered_fd,
                                           std::uint64_t offset) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) return nullptr;
    void* mem = nullptr;
    if (::posix_memalign(&mem, kAlign, kSize) != 0) {
      ::close(fd);
      return nullptr;
    }
    std::unique_ptr<DirectStage> s(new DirectStage(fd, static_cast<std::uint8_t*>(mem)));
    // A resume may start mid-block: stage the block's head from the file.
    s->base_ = offset - offset % kAlign;
    s->len_ = static_cast<std::size_t>(offset - s->base_);
    std::size_t got = 0;
    while (got < s->len_) {
      ssize_t n =
          ::pread(buffered_fd, s->buf_ + got, s->len_ - got, static_cast<off_t>(s->base_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return nullptr;
      got += static_cast<std::size_t>(n);
    }
    return s;
  }
  ~DirectStage() {
    ::close(fd_);
    std::free(buf_);
  }
  DirectStage(const DirectStage&) = delete;
  DirectStage& operator=(const DirectStage&) = delete;

  std::uint64_t base() const { return base_; }  // everything before is in the file
  std::uint64_t end() const { return base_ + len_; }
  std::span<const std::uint8_t> staged() const { return {buf_, len_}; }
  void reset_to(std::uint64_t pos) {
    base_ = pos;
    len_ = 0;
  }

  // Appends bytes; full buffers go to the disk. On an error the stage is full and unwritten, and
  // `consumed` says how many of `bytes` are in it.
  Status append(std::span<const std::uint8_t> bytes, const std::string& path,
                std::size_t& consumed) {
    consumed = 0;
    while (!bytes.empty()) {
      const std::size_t n = std::min(bytes.size(), kSize - len_);
      std::memcpy(buf_ + len_, bytes.data(), n);
      len_ += n;
      bytes = bytes.subspan(n);
      consumed += n;
      if (len_ == kSize) {
        std::size_t done = 0;
        while (done < kSize) {
          ssize_t w = ::pwrite(fd_, buf_ + done, kSize - done, static_cast<off_t>(base_ + done));
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return errno_error(path, errno);
          done += static_cast<std::size_t>(w);
        }
        base_ += kSize;
        len_ = 0;
      }
    }
    return ok_status();
  }

 private:
  DirectStage(int fd, std::uint8_t* buf) : fd_(fd), buf_(buf) {}
  int fd_;
  std::uint8_t* buf_;
  std::uint64_t base_ = 0;
  std::size_t len_ = 0;
};

BackgroundWriter::BackgroundWriter(int fd, std::uint64_t offset, std::string path, Options options)
    : fd_(fd),
      path_(std::move(path)),
      max_queued_(options.max_queued == 0 ? 1 : options.max_queued),
      kick_bytes_(options.kick_bytes),
      direct_(options.direct ? DirectStage::open(path_, fd, offset) : nullptr),
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
  flush_pending_ = true;
  wake_writer_.notify_one();
  wake_caller_.wait(lock,
                    [&] { return (queue_.empty() && !writing_ && !flush_pending_) || error_; });
  flush_pending_ = false;
  if (error_) return *error_;
  return ok_status();
}

std::uint64_t BackgroundWriter::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

Result<std::uint64_t> BackgroundWriter::write_out(std::span<const std::uint8_t> bytes,
                                                  std::uint64_t pos) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(path_, errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    pos += static_cast<std::uint64_t>(n);
  }
  return pos;
}

void BackgroundWriter::run() {
  // Named, so per-thread CPU figures (the benchmark's notes, top -H) show the writer apart.
  ::pthread_setname_np(::pthread_self(), "cocos-writer");
  std::uint64_t kicked = written_;  // write-back was started for [.., kicked)
  std::unique_lock lock(mu_);
  for (;;) {
    wake_writer_.wait(lock, [&] { return !queue_.empty() || stop_ || flush_pending_; });
    if (queue_.empty()) {
      // A flush or the end: the staged tail of the direct path goes to the file too.
      if (direct_ && !error_ && direct_->end() > written_) {
        writing_ = true;
        lock.unlock();
        auto end = write_out(direct_->staged(), direct_->base());
        lock.lock();
        writing_ = false;
        if (!end) {
          error_ = end.take_error();
        } else {
          written_ = *end;
        }
      }
      flush_pending_ = false;
      wake_caller_.notify_all();
      if (stop_) return;
      continue;
    }
    Chunk chunk = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    const std::uint64_t at = direct_ ? direct_->end() : written_;
    const bool failed = error_.has_value();
    lock.unlock();
    wake_caller_.notify_one();  // room in the queue

    std::optional<Error> err;
    std::uint64_t in_file = written_;  // only this thread changes written_
    if (!failed && direct_) {
      std::size_t consumed = 0;
      if (auto st = direct_->append(chunk.bytes(), path_, consumed); !st) {
        if (st.error().code == "no_space") {
          err = st.take_error();
        } else {
          // O_DIRECT refused after all (alignment rules of this device): page cache from here.
          auto end = write_out(direct_->staged(), direct_->base());
          if (end) end = write_out(chunk.bytes().subspan(consumed), direct_->end());
          if (!end) {
            err = end.take_error();
          } else {
            in_file = *end;
            direct_.reset();
          }
        }
      }
      if (!err && direct_) in_file = std::max(in_file, direct_->base());
    } else if (!failed) {
      auto end = write_out(chunk.bytes(), at);
      if (!end) {
        err = end.take_error();
      } else {
        in_file = *end;
        if (kick_bytes_ > 0 && in_file - kicked >= kick_bytes_) {
          // Start write-back of what accumulated; the pages stay cached, the call does not wait.
          (void)::sync_file_range(fd_, static_cast<off_t>(kicked),
                                  static_cast<off_t>(in_file - kicked), SYNC_FILE_RANGE_WRITE);
          kicked = in_file;
        }
      }
    }
    chunk = Chunk();  // release the buffer before taking the lock again

    lock.lock();
    writing_ = false;
    if (err && !error_) error_ = std::move(err);
    if (!error_) written_ = in_file;
    if (queue_.empty() || error_) wake_caller_.notify_all();
  }
}

}  // namespace cocos
