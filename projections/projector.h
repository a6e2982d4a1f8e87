// Projector: keeps one projection caught up with the log.
//
// catch_up() reads the log after the projection's checkpoint in pages and
// commits the rows of each batch of pages together with the new checkpoint,
// so a crash at any point leaves rows and checkpoint agreeing: nothing is
// applied twice or skipped. A batch is one page for the live projection (a
// short commit, so appends waiting for the writer are not held up); a
// rebuild or a replay folds many pages per commit (Batch), which rewrites
// each touched row and page once per batch instead of once per page. A
// rebuild's batch is written in slices (Batch::rows_per_transaction) so that
// appends get the writer between them; until its last slice the checkpoint
// says kUnfinished, and a copy left so by a crash is started over.
// Callers serialize through an internal mutex. position() is lock-free.
//
// Rows written by another code version of the fold are not dropped: reads
// keep being served from them while a Rebuilder (projections/rebuilder.h)
// builds the new version beside them and swaps it in. Until then new events
// are folded onto the old rows with the current code, and the checkpoint
// keeps naming the old version, so the need for a rebuild survives restarts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>

#include "projections/projection.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::projections {

// When a catch-up commits: after `events` events or once the buffered rows
// reach `bytes` (which bounds the memory a batch holds), whichever comes
// first, and at the end of every catch_up call. (Outside the class: GCC
// cannot take a nested aggregate with member initializers as a default
// argument of its enclosing class.)
struct ProjectorBatch {
  std::size_t events = 512;
  std::size_t bytes = 8u << 20;
  // Rows written per transaction; 0: the whole batch in one. Only for rows
  // nobody reads until they are complete (a rebuild's copy).
  std::size_t rows_per_transaction = 0;
};

class Projector {
 public:
  static constexpr std::int64_t kHead = std::numeric_limits<std::int64_t>::max();
  static constexpr std::size_t kPageSize = 512;  // events read from the log at a time
  // The same for bulk batches, whose next page is read while one is folded.
  static constexpr std::size_t kBulkPageSize = 4096;
  using Batch = ProjectorBatch;
  // For folds nobody waits on (rebuilds, replays): far fewer page writes
  // than one commit per page, within 16 MiB of buffered rows (a 200k-event
  // verify: 67 MB RSS and 15.0 s, against 143 MB and 16.0 s with 64 MiB).
  static constexpr Batch kBulk{1u << 17, 16u << 20};
  // A rebuild's copy, beside live appends that need the same writer: bulk
  // batches written 4,000 rows per transaction.
  static constexpr Batch kRebuild{1u << 17, 16u << 20, 4000};
  // The code version a checkpoint names while a batch is written in slices.
  static constexpr std::int64_t kUnfinished = -1;

  // Borrowed references must outlive the Projector. `store_name` names the
  // rows in `rows`; empty means the projection's own name (a rebuild folds a
  // copy under another name).
  Projector(store::EventStore& log, store::ProjectionStore& rows, Projection& projection,
            std::string store_name = {}, Batch batch = {});

  // Folds every event after the checkpoint up to the log's head, or up to
  // `up_to` if that is lower; returns the new position.
  // `progress(position, head)` is called after each commit. `batch`, when
  // given, replaces the Projector's own for this call (a start-up or an
  // import folding a backlog nobody reads yet: kBulk).
  Result<std::int64_t> catch_up(
      const std::function<void(std::int64_t, std::int64_t)>& progress = {},
      std::int64_t up_to = kHead, std::optional<Batch> batch = std::nullopt);

  // Read-your-writes for an append that ended at `position`: returns at
  // once, without the mutex, when the projection is already there (another
  // caller's catch-up folded it); otherwise catches up to the head, so one
  // fold serves every append committed meanwhile (a group commit's worth).
  Result<std::int64_t> catch_up_to(std::int64_t position);

  // Catches up as far as it can, then runs `f(position, caught_up)` while
  // no catch_up can run, so that the rows stay at `position` throughout;
  // `caught_up` says why the rows are short of the head if they are. `f`
  // may replace the rows (a rebuilt copy renamed over them); the checkpoint
  // is read again afterwards. Returns what `f` returns.
  Status exclusive(const std::function<Status(std::int64_t position, const Status& caught_up)>& f);

  // Last position folded and committed.
  std::int64_t position() const { return position_.load(std::memory_order_acquire); }
  // The code version that wrote the stored rows, as last read (the
  // projection's own before the first catch_up and for an empty store).
  std::int64_t rows_code_version() const { return rows_version_.load(std::memory_order_acquire); }
  // The stored rows were written by another code version than this one.
  bool stale() const { return rows_code_version() != projection_.code_version(); }

  std::string_view name() const { return projection_.name(); }
  const std::string& store_name() const { return store_name_; }
  Projection& projection() const { return projection_; }

 private:
  Result<std::int64_t> catch_up_locked(
      const std::function<void(std::int64_t, std::int64_t)>& progress, std::int64_t up_to,
      const Batch& batch);
  Status reload_locked();
  // Commits all but the last Batch::rows_per_transaction slice of `writes`
  // (checkpoint: `committed`, kUnfinished) and leaves that last slice.
  Status commit_leading_slices(std::vector<store::KvWrite>& writes, std::int64_t committed,
                               const Batch& batch);

  store::EventStore& log_;
  store::ProjectionStore& rows_;
  Projection& projection_;
  const std::string store_name_;
  const Batch batch_;
  std::mutex mu_;
  std::atomic<std::int64_t> position_{0};
  std::atomic<std::int64_t> rows_version_;
};

}  // namespace starlog::projections
