// SqliteEventStore: the EventStore on a SqliteDatabase (file format at the
// top of store/sqlite_database.cpp).
//
// Appends are group-committed: each waits in a queue; whichever caller finds
// no commit in progress becomes the leader, takes every queued request (up
// to kMaxGroup), and runs them on the single writer connection in one
// BEGIN IMMEDIATE transaction, each inside its own SAVEPOINT, then commits
// once (WAL, synchronous=FULL: one fsync for the group). Requests that queue
// up during that fsync form the next group, so groups grow with load and a
// lone request commits at once (no timer). Each request gets exactly the
// result it would get alone: checks run in queue order and see the earlier
// requests of the group; a request refused by a rule is rolled back to its
// savepoint without touching the others. A storage failure (disk full, I/O)
// fails every request of the group, and nothing of it is written. An ok
// append is on disk. Restores run on the writer directly. Reads use the
// read-only pool and run in parallel with appends; a read sees whole
// appends only.
//
// recorded_at is the clock's time, but never earlier than the last stored
// event's: recorded time then only grows with position, so "recorded at or
// before T" is always a prefix of the log.
//
// Thread-safe. Failures are Status values; nothing throws.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "store/event_store.h"
#include "store/group_commit.h"
#include "store/queued_append.h"
#include "store/sqlite_database.h"

namespace starlog::store {

class SqliteEventStore final : public EventStore {
 public:
  // Loads the head of the log. `clock` must outlive the store.
  static Result<std::unique_ptr<SqliteEventStore>> open(std::shared_ptr<SqliteDatabase> db,
                                                        domain::Clock& clock);

  Result<AppendResult> append(const AppendRequest& request) override;
  std::vector<Result<AppendResult>> append_all(const std::vector<AppendRequest>& requests) override;
  Status restore(const std::vector<domain::Event>& events) override;
  Result<std::vector<domain::Event>> read_stream(std::string_view stream, std::int64_t from_version,
                                                 std::size_t limit) override;
  Result<std::vector<domain::Event>> read_all(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_fact(std::string_view fact_id) override;
  Result<std::vector<StoredEvent>> read_stored(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_celebrity(std::string_view celebrity, std::int64_t after,
                                                    std::int64_t up_to, std::size_t limit) override;
  Result<std::int64_t> position_at(domain::Millis t) override;
  // The SQL of read_celebrity, for tests of its query plan.
  static const std::string& celebrity_query();
  Result<std::optional<domain::Event>> find_event(std::string_view id) override;
  std::int64_t head() override { return head_.load(std::memory_order_acquire); }
  Result<std::int64_t> stream_version(std::string_view stream) override;
  // Listeners run after the writer is released, so two concurrent appends
  // may report their heads out of order: treat a call as a wake-up and read
  // from your last position, not as "exactly this head".
  void on_commit(std::function<void(std::int64_t head)> listener) override;
  // Empties the log's WAL (a TRUNCATE checkpoint).
  Status purge_erased() override;
  Result<std::int64_t> last_takedown() override;

  // The most requests one group commit takes.
  static constexpr std::size_t kMaxGroup = 512;

  struct GroupStats {
    std::int64_t groups = 0;    // commits of appends
    std::int64_t requests = 0;  // requests that went through them
  };
  GroupStats group_stats() const;

 private:
  using Pending = QueuedAppend;
  // append and append_all: each request on its own, through the group commit.
  std::vector<Result<AppendResult>> append_queued(std::span<const AppendRequest> requests);
  SqliteEventStore(std::shared_ptr<SqliteDatabase> db, domain::Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  // Queues `mine` (in order, together) and leads or waits for group commits
  // until every one of them has its result.
  void commit_queued(const std::vector<Pending*>& mine);
  // One request inside the open group transaction (no BEGIN/COMMIT).
  Result<AppendResult> append_in_transaction(SqliteConnection& w, const AppendRequest& request);
  // Runs `group` as one transaction and fills each result; returns the new
  // head, or 0 when nothing was committed.
  std::int64_t commit_group(const std::vector<Pending*>& group);
  Status restore_locked(SqliteConnection& w, const std::vector<domain::Event>& events,
                        std::int64_t& added);
  void notify(std::int64_t head);

  std::shared_ptr<SqliteDatabase> db_;
  domain::Clock& clock_;
  std::atomic<std::int64_t> head_{0};
  // A takedown's WAL could not be emptied (readers held it past every
  // attempt): tried again after each later commit until it is.
  std::atomic<bool> purge_pending_{false};

  GroupCommit<Pending> group_commit_{kMaxGroup};
  std::atomic<std::int64_t> groups_{0}, grouped_requests_{0};

  std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners_;
};

}  // namespace starlog::store
