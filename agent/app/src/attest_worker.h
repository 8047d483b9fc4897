// Runs attestation work (evidence for attestation.get, the PCR16 manifest extension) on its own
// thread so that TPM and PSP round trips never block the bus loop; results come back through the
// LoopQueue. The queue is bounded: submit() refuses (the caller answers "busy") when full.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace cocos::agent::app {

class AttestWorker {
 public:
  explicit AttestWorker(std::size_t max_queued = 8);
  ~AttestWorker();
  AttestWorker(const AttestWorker&) = delete;
  AttestWorker& operator=(const AttestWorker&) = delete;

  // Queues `job` to run on the worker thread. False when the queue is full.
  bool submit(std::function<void()> job);

 private:
  void loop(std::stop_token st);

  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> jobs_;
  std::jthread thread_;
};

}  // namespace cocos::agent::app
