// POSIX file helpers (see file_io.h).
#include "file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cocos/common/unique_fd.h"

namespace cocos::attestation {
namespace {}  // namespace

std::string errno_text(int err) {
  return std::strerror(err);
}

Result<Bytes> read_file_bounded(const std::string& path, std::size_t max_bytes) {
  UniqueFd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!f.valid()) {
    int err = errno;
    return make_error(err == ENOENT ? "not_found" : "io_error",
                      "cannot open " + path + ": " + errno_text(err));
  }
  Bytes out;
  std::uint8_t buf[8192];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
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
  UniqueFd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
  if (!f.valid()) return make_error("io_error", "cannot open " + path + ": " + errno_text(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(f.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("io_error", "cannot write " + path + ": " + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace cocos::attestation
