// Raw loopback TCP latency: the baseline of event_p50_us / event_p99_us.
#include "tcp_floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "benches.h"
#include "cocos/common/sys_error.h"
#include "cocos/common/unique_fd.h"
#include "support/process.h"

namespace cocos::bench {

namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

// Waits up to `timeout` for `fd` to become readable.
bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

}  // namespace

Result<std::vector<double>> tcp_floor_latencies(int count, int interval_us, bool blocking) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return errno_error("socket", errno);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return errno_error("listen on 127.0.0.1", errno);
  }
  auto sender = test_support::Child::spawn({test_support::self_exe(), "--role", "tcp-sender",
                                            std::to_string(ntohs(addr.sin_port)),
                                            std::to_string(count), std::to_string(interval_us)});
  if (!sender) return sender.take_error();
  if (!readable(listener.get(), std::chrono::milliseconds(5000)))
    return make_error("timeout", "the tcp sender did not connect");
  UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!conn.valid()) return errno_error("accept", errno);

  std::vector<double> lat_us;
  lat_us.reserve(static_cast<std::size_t>(count));
  std::array<char, kTcpFloorRecordBytes> rec{};
  std::size_t have = 0;
  auto last = Clock::now();
  while (static_cast<int>(lat_us.size()) < count) {
    const ssize_t n = ::recv(conn.get(), rec.data() + have, rec.size() - have, MSG_DONTWAIT);
    if (n == 0) break;  // the sender is done
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) return errno_error("recv", errno);
      if (Clock::now() - last > std::chrono::seconds(3)) break;
      // Spin (the receiver stays awake, like the subscriber), or sleep until data arrives.
      if (blocking) (void)readable(conn.get(), std::chrono::milliseconds(3000));
      continue;
    }
    last = Clock::now();
    have += static_cast<std::size_t>(n);
    if (have < rec.size()) continue;
    have = 0;
    std::uint64_t t0 = 0;
    std::memcpy(&t0, rec.data(), sizeof t0);
    if (t0 != 0) lat_us.push_back(static_cast<double>(now_ns() - t0) / 1000.0);  // 0: warm-up
  }
  (void)sender->stop();
  return lat_us;
}

int tcp_sender(int port, int count, int interval_us) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in addr = loopback(port);
  const int one = 1;
  if (!s.valid() || ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
      ::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // as the event publisher
  std::array<char, kTcpFloorRecordBytes> rec{};
  auto next = Clock::now();
  for (int i = -200; i < count; ++i) {  // 200 warm-up records (stamp 0)
    next += std::chrono::microseconds(interval_us);
    std::this_thread::sleep_until(next);
    const std::uint64_t t0 = i < 0 ? 0 : now_ns();
    std::memcpy(rec.data(), &t0, sizeof t0);
    if (::send(s.get(), rec.data(), rec.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(rec.size()))
      return 1;
  }
  return 0;
}

}  // namespace cocos::bench
