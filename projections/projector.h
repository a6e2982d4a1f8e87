// Projector: keeps one projection caught up with the log.
//
// catch_up() reads the log after the projection's checkpoint in pages and
// commits each page's rows together with the new checkpoint, so a crash at
// any point leaves rows and checkpoint agreeing: nothing is applied twice or
// skipped. Callers serialize through an internal mutex; the writer side of
// the API calls catch_up() after each acknowledged append, which gives
// read-your-writes. position() is lock-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "projections/projection.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::projections {

class Projector {
 public:
  // Borrowed references must outlive the Projector.
  Projector(store::EventStore& log, store::ProjectionStore& rows, Projection& projection);

  // Folds every event up to the log's head; returns the new position. If the
  // stored rows were written by another code version, they are dropped and
  // refolded from position 0 first. `progress(position, head)` is called
  // after each page.
  Result<std::int64_t> catch_up(
      const std::function<void(std::int64_t, std::int64_t)>& progress = {});

  // Last position folded and committed.
  std::int64_t position() const { return position_.load(std::memory_order_acquire); }
  std::string_view name() const { return projection_.name(); }

  static constexpr std::size_t kPageSize = 512;

 private:
  store::EventStore& log_;
  store::ProjectionStore& rows_;
  Projection& projection_;
  std::mutex mu_;
  std::atomic<std::int64_t> position_{0};
};

}  // namespace starlog::projections
