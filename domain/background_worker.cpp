#include "domain/background_worker.h"

namespace starlog::domain {

BackgroundWorker::BackgroundWorker(Task task, Start start)
    : task_(std::move(task)), wanted_(start == Start::woken), thread_([this] { loop(); }) {}

BackgroundWorker::~BackgroundWorker() { stop(); }

void BackgroundWorker::wake() {
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void BackgroundWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool BackgroundWorker::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

void BackgroundWorker::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    const Next next = task_();
    lock.lock();
    if (next) {
      // Again after the pause, or sooner when woken or stopped.
      cv_.wait_for(lock, *next, [this] { return wanted_ || stop_; });
      wanted_ = true;
    }
  }
}

}  // namespace starlog::domain
