#include "projections/follower.h"

namespace starlog::projections {

Follower::Follower(Projector& projector, store::EventStore& log,
                   std::function<void(const Status&)> on_error,
                   std::optional<Projector::Batch> batch, Start start)
    : projector_(projector),
      log_(log),
      on_error_(std::move(on_error)),
      batch_(batch),
      worker_([this] { return fold(); }, start == Start::folding
                                             ? domain::BackgroundWorker::Start::woken
                                             : domain::BackgroundWorker::Start::idle) {
  link_->follower = this;
  log_.on_commit([link = link_](std::int64_t) {
    std::lock_guard lock(link->mu);
    if (link->follower) link->follower->wake();
  });
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
  fold_cv_.notify_all();
  worker_.stop();
}

void Follower::wake() { worker_.wake(); }

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

domain::BackgroundWorker::Next Follower::fold() {
  const std::int64_t before = projector_.position();
  // Readers are told after every commit, not only at the end of a long
  // catch-up (the lock makes a reader's check-then-sleep atomic).
  auto tell_readers = [this] {
    { std::lock_guard told(mu_); }
    fold_cv_.notify_all();
  };
  auto at = projector_.catch_up([&](std::int64_t, std::int64_t) { tell_readers(); },
                                Projector::kHead, batch_);
  tell_readers();
  if (!at.ok()) {
    if (on_error_) on_error_(at.status());
    // Retried after kRetryAfter, or sooner when woken (a commit, a read).
    return kRetryAfter;
  }
  if (*at > before) {
    std::lock_guard calling(folded_mu_);
    if (on_folded_) on_folded_(*at);
  }
  if (*at < log_.head()) return std::chrono::milliseconds(0);  // appended while folding
  return std::nullopt;
}

}  // namespace starlog::projections
