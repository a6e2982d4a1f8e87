// Follower: keeps a Projector caught up with the log on a thread of its own,
// so that an append's answer waits for its commit only, not for the fold.
// Reads keep read-your-writes by waiting for the position they must reflect
// (wait_for(log head when the read began)): a read that starts after an
// append was answered shows that append, as when the append folded itself.
//
// Folding off the request path also folds more per commit: every append of
// a busy moment is folded by one catch-up, in one projection commit.
//
// It hears of every commit through EventStore::on_commit, so appends made
// elsewhere (another node of a shared PostgreSQL store, heard through
// LISTEN/NOTIFY) are folded without waiting for a read to ask.
//
// A failed catch-up (e.g. the disk is full) is reported to `on_error` and
// retried after kRetryAfter or at the next wake(); waiting reads time out
// meanwhile. Thread-safe. Destroying it stops and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "domain/background_worker.h"
#include "domain/status.h"
#include "projections/projector.h"
#include "store/event_store.h"

namespace starlog::projections {

class Follower {
 public:
  static constexpr std::chrono::milliseconds kRetryAfter{1000};

  enum class Start {
    folding,  // fold to the head at once
    idle,     // wait for the first wake() (a start-up catch-up runs first)
  };

  // References must outlive the Follower. Starts the thread. `batch`, when
  // given, is the Projector::Batch of every catch-up (an import folding
  // beside its appends: Projector::kBulk).
  Follower(Projector& projector, store::EventStore& log,
           std::function<void(const Status&)> on_error = {},
           std::optional<Projector::Batch> batch = std::nullopt, Start start = Start::folding);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Events were appended: fold up to the head soon. Never blocks.
  void wake();
  // Blocks until the projection has folded `position`, at most `timeout`;
  // true when it has.
  bool wait_for(std::int64_t position, std::chrono::steady_clock::duration timeout);
  // Calls `folded` on the follower's thread after each catch-up that moved
  // the projection, with its new position, once waiting readers were told
  // (e.g. to notice a takedown another node committed). Replaces an earlier
  // one, after a call of it in progress has returned, so on_folded({})
  // makes sure it is not called again. `folded` must not call back into
  // the Follower.
  void on_folded(std::function<void(std::int64_t position)> folded);

 private:
  // One catch-up, on the worker's thread.
  domain::BackgroundWorker::Next fold();

  Projector& projector_;
  store::EventStore& log_;
  std::function<void(const Status&)> on_error_;
  const std::optional<Projector::Batch> batch_;
  std::mutex mu_;
  std::condition_variable fold_cv_;              // readers wait for a position
  std::mutex folded_mu_;                         // held while on_folded_ runs
  std::function<void(std::int64_t)> on_folded_;  // guarded by folded_mu_
  bool stop_ = false;                            // guarded by mu_: waiting readers give up
  // What the store's commit listener calls; emptied by the destructor (the
  // store may call its listeners from a thread of its own, and it outlives
  // this object).
  struct Link {
    std::mutex mu;
    Follower* follower = nullptr;
  };
  std::shared_ptr<Link> link_ = std::make_shared<Link>();
  domain::BackgroundWorker worker_;  // last: started once the members above exist
};

}  // namespace starlog::projections
