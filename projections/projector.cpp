#include "projections/projector.h"

namespace starlog::projections {

Projector::Projector(store::EventStore& log, store::ProjectionStore& rows, Projection& projection)
    : log_(log), rows_(rows), projection_(projection) {}

Result<std::int64_t> Projector::catch_up(
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  std::lock_guard lock(mu_);
  const std::string name(projection_.name());
  auto cp = rows_.checkpoint(name);
  if (!cp.ok()) return cp.status();
  store::Checkpoint at = *cp;
  if (at.position > 0 && at.code_version != projection_.code_version()) {
    if (Status s = rows_.drop(name); !s) return s;
    at = {};
  }
  position_.store(at.position, std::memory_order_release);
  for (;;) {
    auto page = log_.read_all(at.position, kPageSize);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    PendingRows rows(rows_, name);
    for (const auto& e : *page) {
      if (Status s = projection_.apply(e, rows); !s) return s;
    }
    at = {page->back().position, projection_.code_version()};
    if (Status s = rows_.commit(name, rows.take(), at); !s) return s;
    position_.store(at.position, std::memory_order_release);
    if (progress) progress(at.position, log_.head());
    if (page->size() < kPageSize) break;
  }
  return at.position;
}

}  // namespace starlog::projections
