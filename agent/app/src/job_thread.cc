// One worker thread with a bounded job queue (see job_thread.h).
#include "job_thread.h"

namespace cocos::agent::app {

JobThread::JobThread(std::size_t max_queued)
    : max_queued_(max_queued), thread_([this](std::stop_token st) { loop(st); }) {}

JobThread::~JobThread() {
  thread_.request_stop();
  cv_.notify_all();
}

bool JobThread::submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void JobThread::loop(std::stop_token st) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, st, [this] { return !jobs_.empty(); });
      if (st.stop_requested()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace cocos::agent::app
