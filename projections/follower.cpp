#include "projections/follower.h"

namespace starlog::projections {

Follower::Follower(Projector& projector, store::EventStore& log,
                   std::function<void(const Status&)> on_error,
                   std::optional<Projector::Batch> batch, Start start)
    : projector_(projector),
      log_(log),
      on_error_(std::move(on_error)),
      batch_(batch),
      wanted_(start == Start::folding) {
  link_->follower = this;
  log_.on_commit([link = link_](std::int64_t) {
    std::lock_guard lock(link->mu);
    if (link->follower) link->follower->wake();
  });
  thread_ = std::thread([this] { loop(); });
}

Follower::~Follower() {
  {
    std::lock_guard lock(link_->mu);
    link_->follower = nullptr;
  }
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  fold_cv_.notify_all();
  thread_.join();
}

void Follower::wake() {
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  wake_cv_.notify_one();
}

void Follower::on_folded(std::function<void(std::int64_t position)> folded) {
  std::lock_guard lock(folded_mu_);
  on_folded_ = std::move(folded);
}

bool Follower::wait_for(std::int64_t position, std::chrono::steady_clock::duration timeout) {
  if (projector_.position() >= position) return true;
  wake();
  std::unique_lock lock(mu_);
  return fold_cv_.wait_for(lock, timeout, [&] {
    return stop_ || projector_.position() >= position;
  }) && projector_.position() >= position;
}

void Follower::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    const std::int64_t before = projector_.position();
    lock.unlock();
    // Readers are told after every commit, not only at the end of a long
    // catch-up (the lock makes a reader's check-then-sleep atomic).
    auto at = projector_.catch_up(
        [this](std::int64_t, std::int64_t) {
          { std::lock_guard told(mu_); }
          fold_cv_.notify_all();
        },
        Projector::kHead, batch_);
    lock.lock();
    fold_cv_.notify_all();
    if (!at.ok()) {
      lock.unlock();
      if (on_error_) on_error_(at.status());
      lock.lock();
      // Retried after kRetryAfter, or sooner when woken (a commit, a read).
      wake_cv_.wait_for(lock, kRetryAfter, [this] { return stop_ || wanted_; });
      if (stop_) return;
      wanted_ = true;
    } else {
      if (*at < log_.head()) wanted_ = true;  // appended while folding
      if (*at > before) {
        lock.unlock();
        {
          std::lock_guard calling(folded_mu_);
          if (on_folded_) on_folded_(*at);
        }
        lock.lock();
      }
    }
  }
}

}  // namespace starlog::projections
