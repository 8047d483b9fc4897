// eventfd-backed closure queue (see loop_queue.h).
#include "loop_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "cocos/common/sys_error.h"

namespace cocos::agent::app {

Result<std::unique_ptr<LoopQueue>> LoopQueue::create() {
  std::unique_ptr<LoopQueue> q(new LoopQueue());
  q->fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!q->fd_.valid()) return errno_error("eventfd", errno);
  return q;
}

void LoopQueue::post(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(std::move(f));
  }
  std::uint64_t one = 1;
  // EAGAIN only when the counter is saturated, and then the loop is already woken.
  [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

void LoopQueue::drain() {
  std::uint64_t count = 0;
  [[maybe_unused]] ssize_t n = ::read(fd_.get(), &count, sizeof count);
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(items_);
  }
  for (auto& f : batch) f();
}

}  // namespace cocos::agent::app
