// Takedowns: what happens between a takedown's commit and its answer, and
// at start-up, so that the content it erased is gone from every place
// Starlog keeps bytes before anyone is told (the README's "Takedowns").
//
// The log erases the content in the takedown's own commit and empties its
// WAL before append() returns (store/event_store.h). complete() then:
//  1. stops a running rebuild, drops its copy (which may hold the content,
//     as may the events it read ahead) and starts it again from position 0;
//  2. folds the live timeline projection through the takedown, which
//     removes the fact's rows (projections/timeline_projection.h);
//  3. purges the read-model file: rows left by drops and swaps are deleted
//     now, and its WAL is emptied (the writer zeroes what it frees);
//  4. empties the body cache (timeline, profile, fact and as-of answers) and
//     the live feed's window of recent frames (also_forget).
// recover() is the same after a crash between the commit and the answer:
// run at start-up once the projection has caught up with the log. heard()
// does steps 3 and 4 on the other nodes of a shared store, once their
// fold is past a takedown one of them committed.
//
// Thread-safe: takedowns complete one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "api/body_cache.h"
#include "domain/status.h"
#include "projections/follower.h"
#include "projections/projector.h"
#include "projections/rebuilder.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::api {

class Takedowns {
 public:
  struct Parts {
    store::EventStore& log;
    store::ProjectionStore& rows;
    projections::Projector& timeline;
    projections::Rebuilder* rebuilder = nullptr;  // optional
    projections::Follower* follower = nullptr;    // optional: without, folds here
    BodyCache* bodies = nullptr;                  // optional
  };
  explicit Takedowns(Parts parts) : parts_(parts) {}

  // How long step 2 may wait for the fold (a fold held up, e.g. by a full
  // disk): past it the takedown is answered 503 and completed by a retry.
  static constexpr std::chrono::seconds kFoldWait{30};

  // After the commit of a takedown at `position`. io_error when the fold
  // does not get there in time or a file cannot be purged.
  Status complete(std::int64_t position);
  // At start-up, after the projection caught up: purges both stores, and
  // drops a rebuild's copy left by a stopped rebuild that is older than
  // the last takedown (so it is not resumed with erased content in it).
  Status recover();

  // After this node folded the log up to `folded` (Follower::on_folded):
  // when the log holds a takedown this node has not completed (one that
  // another node of a shared store committed) and the projection is past
  // it, purges what this node keeps (steps 3 and 4). A failure is retried
  // by the next call.
  void heard(std::int64_t folded);

  // Also run `forget` by every completion (e.g. LiveFeed::forget_window).
  // Set before serving.
  void also_forget(std::function<void()> forget) { forgets_.push_back(std::move(forget)); }

 private:
  Status purge();

  Parts parts_;
  std::vector<std::function<void()>> forgets_;
  std::mutex mu_;
  std::int64_t known_ = 0;  // the last takedown purged here (guarded by mu_)
};

}  // namespace starlog::api
