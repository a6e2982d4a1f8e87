// Rebuilder: rebuilds one projection beside the live one (docs/audit.md#4-verified-rebuilds) and
// swaps the new rows in only once they are proven right.
//
//  1. Build. A copy is folded from position 0 under the store name
//     "<name>~rebuild" (a copy of the same code version left by a stopped
//     rebuild is resumed), in slices paced by Options::max_rate. Reads keep
//     being served from the live rows, and appends keep being folded into
//     them, throughout.
//  2. Prove.
//     - Live rows of this code version: with the live Projector held
//       (Projector::exclusive: catch-ups after appends wait, reads do not),
//       the copy is brought to the live position P and the two digests
//       (projections/digest.h) are compared. Equal: swap; "verified".
//       Different: an independent replay of the log decides. If the copy
//       equals the replay, the live rows were wrong: swap; "repaired".
//     - Live rows of another code version (an upgrade): they cannot equal
//       the new fold, so the copy is compared with an independent replay at
//       the copy's position instead: swap; "upgraded".
//     A copy that differs from the replay is dropped and nothing is swapped:
//     "failed" (the fold is not deterministic).
//  3. Swap. With the live Projector held, the copy is caught up to the live
//     position and renamed over the live rows in one transaction
//     (ProjectionStore::rename): a reader sees the old rows or the new ones,
//     never a mix, and never a position going backwards.
//
// One rebuild at a time per projection, on a thread of its own. Destroying
// the Rebuilder stops a running rebuild between slices (its copy stays and
// is resumed next time) and joins it. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "domain/clock.h"
#include "domain/json.h"
#include "projections/projector.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::projections {

struct RebuildOptions {
  // Events folded per second while building; 0 is as fast as it goes. A
  // rebuild on a busy server can be slowed so it leaves room for traffic.
  double max_rate = 0;
};

class Rebuilder {
 public:
  // (Outside the class: GCC cannot take a nested aggregate with member
  // initializers as a default argument of its enclosing class.)
  using Options = RebuildOptions;

  struct Outcome {
    std::string result;         // verified, repaired, upgraded, failed, stopped, error
    std::string reason;         // why it ran: "requested", "code_version"
    std::int64_t position = 0;  // the position the proof was made at
    std::string digest;         // of the rows swapped in (or of the copy)
    std::string live_digest;    // the live rows' at `position`, when compared
    std::string replay_digest;  // the independent replay's, when one ran
    std::string detail;
    domain::Millis started_at{};
    domain::Millis finished_at{};
  };

  // References must outlive the Rebuilder.
  Rebuilder(store::EventStore& log, store::ProjectionStore& rows, Projector& live,
            domain::Clock& clock);
  ~Rebuilder();
  Rebuilder(const Rebuilder&) = delete;
  Rebuilder& operator=(const Rebuilder&) = delete;

  // The live rows were written by another code version (as the live
  // Projector last read its checkpoint).
  bool needed() const { return live_.stale(); }
  // The checkpoint of a copy a stopped rebuild left behind (a kill, a
  // restart, a failure mid-way), of this code version or unfinished;
  // nullopt when there is none. start("resumed") carries it on.
  Result<std::optional<store::Checkpoint>> interrupted() const;
  // Starts a rebuild on a background thread. false when one is running.
  bool start(std::string reason, Options options = {});
  // Runs a rebuild on the calling thread and returns its outcome; an
  // outcome "error" when another is running.
  Outcome run(std::string reason, Options options = {});
  // Blocks until no rebuild runs.
  void wait();
  // Stops a running rebuild between two slices and drops its copy with every
  // row folded so far, then starts it again from position 0 with the same
  // reason and options; drops a copy a stopped rebuild left too. For a
  // takedown: the copy (and the events a rebuild read ahead) may hold the
  // content it erased. Returns whether a rebuild was started again.
  Result<bool> start_over();
  bool running() const { return running_.load(); }
  std::optional<Outcome> last() const;
  // Called with every outcome, on the rebuilding thread (e.g. to log it).
  // Set before the first rebuild.
  void on_finish(std::function<void(const Outcome&)> listener) { on_finish_ = std::move(listener); }

  // GET /v1/projections's entry: {"name", "position", "head", "lag",
  // "status": "live"|"rebuilding", "code_version", "rows_code_version",
  // "rebuild": {"reason", "phase", "started_at", "position", "head",
  // "progress"} while rebuilding, else null, "last_rebuild": outcome|null}.
  Json status() const;

  static std::string copy_name(std::string_view live_store_name);

 private:
  Outcome rebuild(const std::string& reason, const Options& options);
  Outcome finish(Outcome out, std::string result, std::string detail);
  // Sleeps up to `d`; false when asked to stop meanwhile.
  bool pause(std::chrono::steady_clock::duration d);
  void set_phase(const char* phase);

  store::EventStore& log_;
  store::ProjectionStore& rows_;
  Projector& live_;
  domain::Clock& clock_;

  std::atomic<bool> running_{false};
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> copy_position_{0};
  std::thread thread_;
  std::mutex thread_mu_;  // start/wait/destroy

  mutable std::mutex mu_;  // what follows; and the pause condition
  std::condition_variable wake_;
  std::string phase_;
  std::string reason_;
  Options options_;  // of the rebuild last started
  domain::Millis started_at_{};
  std::optional<Outcome> last_;
  std::function<void(const Outcome&)> on_finish_;
};

}  // namespace starlog::projections
