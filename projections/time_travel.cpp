#include "projections/time_travel.h"

#include "projections/timeline_projection.h"
#include "store/memory_projection_store.h"

namespace starlog::projections {

Result<Json> timeline_at(store::EventStore& log, const TimelineQuery& q, std::int64_t position) {
  TimelineProjection fold(TimelineProjection::Input::celebrity_subset);
  store::MemoryProjectionStore scratch;
  const std::string name(fold.name());
  std::int64_t after = 0;
  for (;;) {
    auto page = log.read_celebrity(q.celebrity, after, position, 512);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    PendingRows rows(scratch, name);
    for (const auto& e : *page) {
      if (Status s = fold.apply(e, rows); !s) return s;
    }
    after = page->back().position;
    if (Status s = scratch.commit(name, rows.take(), {after, fold.code_version()}); !s) return s;
  }
  TimelineReader reader(scratch, name);
  return reader.timeline(q, position);
}

}  // namespace starlog::projections
