// PgEventStore: the EventStore on PostgreSQL, shared by any number of
// `starlog serve` processes (nodes). Schema, created on first use by the
// first node (under an advisory lock, so nodes starting together do not
// race), in store/pg_event_store.cpp's header comment.
//
// Appends: every append transaction takes one transaction-level advisory
// lock before it reads the head, and holds it until its COMMIT. So appends
// of all nodes are serialized, positions are handed out in commit order
// (the next appender reads the head only after the previous one
// committed), and a reader never sees N+1 before N. Idempotency, expected
// versions, the rules and the chain are store/append_plan.h's, as in the
// SQLite store. Requests queued while one commits go in the next commit
// together (group commit per node).
//
// A lost connection or a COMMIT whose outcome is unknown is unavailable: the
// caller cannot tell whether the events are stored, and a retry with the
// same event ids answers it (200 with the original positions, or 201).
//
// on_commit listeners hear about this node's appends at once and about
// every node's through LISTEN/NOTIFY (channel starlog_events, payload the
// new head), on a thread of the store's own that reconnects when the
// connection drops; a listener must treat a call as a wake-up.
//
// Thread-safe: one writer connection behind the group-commit queue, a pool
// of reader connections.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "domain/clock.h"
#include "store/event_store.h"
#include "store/group_commit.h"
#include "store/queued_append.h"

namespace starlog::store {

class PgConnection;
class PgPool;

class PgEventStore final : public EventStore {
 public:
  // Connects, creates the schema when the database has none, and starts
  // listening. unavailable when the server cannot be reached.
  static Result<std::unique_ptr<PgEventStore>> open(const std::string& uri, domain::Clock& clock);
  ~PgEventStore() override;
  PgEventStore(const PgEventStore&) = delete;
  PgEventStore& operator=(const PgEventStore&) = delete;

  Result<AppendResult> append(const AppendRequest& request) override;
  std::vector<Result<AppendResult>> append_all(const std::vector<AppendRequest>& requests) override;
  Status restore(const std::vector<domain::Event>& events) override;
  Result<std::vector<domain::Event>> read_stream(std::string_view stream, std::int64_t from_version,
                                                 std::size_t limit) override;
  Result<std::vector<domain::Event>> read_all(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_fact(std::string_view fact_id) override;
  Result<std::optional<domain::Event>> find_event(std::string_view id) override;
  Result<std::vector<StoredEvent>> read_stored(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_celebrity(std::string_view celebrity, std::int64_t after,
                                                    std::int64_t up_to, std::size_t limit) override;
  Result<std::int64_t> position_at(domain::Millis t) override;
  // VACUUM FULL of the tables that held erased content: PostgreSQL keeps a
  // row's old versions in the table files until a vacuum rewrites them.
  Status purge_erased() override;
  Result<std::int64_t> last_takedown() override;
  // The head as the database has it now (every node's appends: read by a
  // query that started after this call began, shared with the readers
  // that wait for the same one), or the last one known when the database
  // cannot be reached.
  std::int64_t head() override;
  Result<std::int64_t> stream_version(std::string_view stream) override;
  // One round trip to the database.
  Status reachable() override;
  void on_commit(std::function<void(std::int64_t head)> listener) override;

  static constexpr std::size_t kMaxGroup = 512;

 private:
  using Pending = QueuedAppend;
  // append and append_all: each request on its own, through the group commit.
  std::vector<Result<AppendResult>> append_queued(std::span<const AppendRequest> requests);
  static constexpr std::size_t kIdleReaders = 8;
  PgEventStore(std::string uri, domain::Clock& clock);

  void commit_queued(const std::vector<Pending*>& mine);
  std::int64_t commit_group(const std::vector<Pending*>& group);
  void notify(std::int64_t head);
  void listen_loop();
  template <class F>
  auto with_reader(F&& f) -> decltype(f(std::declval<PgConnection&>()));

  const std::string uri_;
  domain::Clock& clock_;
  std::unique_ptr<PgPool> readers_;
  std::unique_ptr<PgConnection> writer_;  // behind the queue's leader
  std::atomic<std::int64_t> head_{0};

  // head(): one query answers every reader that waited for it.
  std::mutex head_mutex_;
  std::condition_variable head_cv_;
  std::uint64_t head_started_ = 0;  // queries started
  std::uint64_t head_done_ = 0;     // the last query finished
  bool head_querying_ = false;
  std::int64_t head_answer_ = 0;  // what the last finished query found

  GroupCommit<Pending> group_commit_{kMaxGroup};

  std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners_;

  std::atomic<bool> stop_{false};
  std::thread listener_;
};

}  // namespace starlog::store
