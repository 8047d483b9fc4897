// POSIX file helpers (see file_io.h).
#include "file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cocos::attestation {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string errno_text(int err) {
  return std::strerror(err);
}

Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    int err = errno;
    return make_error(err == ENOENT ? "not_found" : "io_error",
                      "cannot open " + path + ": " + errno_text(err));
  }
  Bytes out;
  std::uint8_t buf[8192];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("io_error", "cannot read " + path + ": " + errno_text(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return make_error("io_error", path + " is larger than " + std::to_string(max_bytes));
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Status write_file(const std::string& path, std::span<const std::uint8_t> data, int mode) {
  Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
  if (f.fd < 0) return make_error("io_error", "cannot open " + path + ": " + errno_text(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("io_error", "cannot write " + path + ": " + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace cocos::attestation
