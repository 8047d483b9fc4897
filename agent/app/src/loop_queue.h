// Hands work from worker threads (runs, attestation) back to the agent's loop thread: post() a
// closure from any thread; the loop polls fd() (an eventfd) and calls drain(), which runs every
// posted closure on the loop thread in posting order. This keeps every zmq socket and the Agent
// on one thread (zmq sockets are not thread-safe).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "cocos/common/result.h"
#include "cocos/common/unique_fd.h"

namespace cocos::agent::app {

class LoopQueue {
 public:
  static Result<std::unique_ptr<LoopQueue>> create();

  // Thread-safe. Never blocks for long (a mutex and an eventfd write).
  void post(std::function<void()> f);
  int fd() const { return fd_.get(); }
  // Loop thread only: runs what was posted so far.
  void drain();

 private:
  LoopQueue() = default;
  UniqueFd fd_;
  std::mutex mu_;
  std::deque<std::function<void()>> items_;
};

}  // namespace cocos::agent::app
