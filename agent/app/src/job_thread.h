// One worker thread with a bounded job queue, for work that must never block the bus loop: the
// agent keeps one for attestation (TPM and PSP round trips: evidence for attestation.get, the
// PCR16 manifest extension) and one for unpacking zipped datasets. Jobs post their results back
// through the LoopQueue. submit() refuses (the caller answers "busy") when the queue is full.
// Dropping the JobThread requests stop (a job that watches stop_token() ends early), drops the
// queued jobs, and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace cocos::agent::app {

class JobThread {
 public:
  explicit JobThread(std::size_t max_queued = 8);
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Queues `job` to run on the worker thread. False when the queue is full.
  bool submit(std::function<void()> job);
  // Requested when the JobThread is being dropped: long jobs check it to end early.
  std::stop_token stop_token() const { return thread_.get_stop_token(); }

 private:
  void loop(std::stop_token st);

  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> jobs_;
  std::jthread thread_;
};

}  // namespace cocos::agent::app
