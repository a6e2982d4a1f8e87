#include "api/takedown.h"

#include <algorithm>

namespace starlog::api {

Status Takedowns::purge() {
  if (Status s = parts_.log.purge_erased(); !s) return s;
  if (Status s = parts_.rows.purge_erased(); !s) return s;
  if (parts_.bodies) parts_.bodies->clear();
  for (const auto& forget : forgets_) forget();
  return Status::ok();
}

Status Takedowns::complete(std::int64_t position) {
  std::lock_guard lock(mu_);
  if (parts_.rebuilder) {
    auto again = parts_.rebuilder->start_over();
    if (!again.ok()) return again.status();
  }
  if (parts_.follower) {
    parts_.follower->wake();
    if (!parts_.follower->wait_for(position, kFoldWait))
      return Status::io_error(
          "the takedown is recorded, but the timeline has not folded it yet;"
          " retry the same request to complete it");
  } else if (auto at = parts_.timeline.catch_up_to(position); !at.ok()) {
    return at.status();
  }
  if (Status s = purge(); !s) return s;
  known_ = std::max(known_, position);
  return Status::ok();
}

void Takedowns::heard(std::int64_t folded) {
  auto last = parts_.log.last_takedown();
  if (!last.ok()) return;
  std::lock_guard lock(mu_);
  if (*last <= known_ || folded < *last) return;
  if (purge()) known_ = *last;
}

Status Takedowns::recover() {
  std::lock_guard lock(mu_);
  auto last = parts_.log.last_takedown();
  if (!last.ok()) return last.status();
  if (parts_.rebuilder) {
    auto left = parts_.rebuilder->interrupted();
    if (!left.ok()) return left.status();
    if (*left && (*left)->position < *last) {
      auto again = parts_.rebuilder->start_over();
      if (!again.ok()) return again.status();
    }
  }
  if (Status s = purge(); !s) return s;
  known_ = *last;
  return Status::ok();
}

}  // namespace starlog::api
