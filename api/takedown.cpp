#include "api/takedown.h"

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
  return purge();
}

Status Takedowns::recover() {
  std::lock_guard lock(mu_);
  if (parts_.rebuilder) {
    auto last = parts_.log.last_takedown();
    if (!last.ok()) return last.status();
    auto left = parts_.rebuilder->interrupted();
    if (!left.ok()) return left.status();
    if (*left && (*left)->position < *last) {
      auto again = parts_.rebuilder->start_over();
      if (!again.ok()) return again.status();
    }
  }
  return purge();
}

}  // namespace starlog::api
