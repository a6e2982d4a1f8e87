#include "store/sqlite_event_store.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <unordered_set>
#include <utility>

#include "domain/append_rules.h"
#include "domain/event_validation.h"
#include "domain/hash_chain.h"
#include "store/append_plan.h"
#include "store/event_row.h"
#include "store/guard.h"

namespace starlog::store {
namespace {

using domain::Event;

// The columns of store/event_row.h. CASE evaluates the takedown's subquery
// for erased rows only.
const std::string kColumns =
    "position, id, stream, version, type, occurred, data, participants, sources, recorded_at, "
    "recorded_by, hash, fact_id, content_digest, CASE WHEN type = '' THEN (SELECT "
    "json_array(t.id, t.recorded_at, json_extract(t.data, '$.reason')) FROM events AS t WHERE "
    "t.fact_id = events.fact_id AND t.type = 'content_taken_down' ORDER BY t.position LIMIT 1) "
    "END";
const std::string kSelectById = "SELECT " + kColumns + " FROM events WHERE id = ?1";
const std::string kSelectStream = "SELECT " + kColumns +
                                  " FROM events WHERE stream = ?1 AND version >= ?2"
                                  " ORDER BY version LIMIT ?3";
const std::string kSelectAll =
    "SELECT " + kColumns + " FROM events WHERE position > ?1 ORDER BY position LIMIT ?2";
const std::string kSelectFact =
    "SELECT " + kColumns + " FROM events WHERE fact_id = ?1 ORDER BY position";
const std::string kSelectStored = "SELECT " + kColumns +
                                  " FROM events WHERE position > ?1"
                                  " ORDER BY position LIMIT ?2";
// One celebrity's events: its stream through UNIQUE(stream, version), the
// facts it was ever a participant of through fact_participants and
// events_fact_id. The unary + keeps SQLite from walking the whole log by
// rowid to satisfy the position bounds.
const std::string kSelectCelebrity =
    "SELECT " + kColumns +
    " FROM events WHERE +position > ?2 AND +position <= ?3 AND (stream = ?1 OR fact_id IN"
    " (SELECT fact_id FROM fact_participants WHERE celebrity = ?1)) ORDER BY position LIMIT ?4";
constexpr const char* kPositionAt =
    "SELECT position FROM events WHERE recorded_at <= ?1"
    " ORDER BY recorded_at DESC, position DESC LIMIT 1";
constexpr const char* kStreamVersion =
    "SELECT version FROM events WHERE stream = ?1 ORDER BY version DESC LIMIT 1";
constexpr const char* kHeadRow =
    "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1";
constexpr const char* kStoredById =
    "SELECT stream, version, position, content_digest, hash FROM events WHERE id = ?1";
constexpr const char* kInsert =
    "INSERT INTO events(position, id, stream, version, type, occurred, data, participants,"
    " sources, recorded_at, recorded_by, fact_id, content_digest, hash)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
// The lawful erasure (the trigger events_no_update allows exactly this),
// of every event about fact ?1 but its takedowns, and of the participants
// index rows it left (they name celebrities of the erased content).
constexpr const char* kErase =
    "UPDATE events SET type = '', occurred = NULL, data = '{}', participants = '[]',"
    " sources = '[]' WHERE fact_id = ?1 AND type NOT IN ('', 'content_taken_down')";
constexpr const char* kEraseParticipants = "DELETE FROM fact_participants WHERE fact_id = ?1";

std::int64_t to_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(
      limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
}

// Fills `e` from the current row of a statement selecting kColumns
// (store/event_row.h).
Status fill_from_row(SqliteStatement& st, Event& e) {
  auto optional = [&](int column) -> std::optional<std::string_view> {
    if (st.is_null(column)) return std::nullopt;
    return st.text(column);
  };
  EventColumns c;
  c.position = st.int64(0);
  c.id = st.text(1);
  c.stream = st.text(2);
  c.version = st.int64(3);
  c.type = st.text(4);
  c.occurred = optional(5);
  c.data = st.text(6);
  c.participants = st.text(7);
  c.sources = st.text(8);
  c.recorded_at_ms = st.int64(9);
  c.recorded_by = st.text(10);
  c.hash = st.text(11);
  c.fact_id = optional(12);
  c.content_digest = st.text(13);
  c.takedown = optional(14);
  return event_from_columns(c, e);
}

// The event of the current row of a statement selecting kColumns.
Result<Event> event_from_row(SqliteStatement& st) {
  Event e;
  if (Status s = fill_from_row(st, e); !s) return s;
  return e;
}

// Every row of a bound statement selecting kColumns.
Result<std::vector<Event>> collect(SqliteStatement& st) {
  std::vector<Event> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.status();
    if (!*row) return out;
    auto e = event_from_row(st);
    if (!e) return e.status();
    out.push_back(std::move(*e));
  }
}

Result<std::int64_t> query_stream_version(SqliteConnection& conn, std::string_view stream) {
  auto st = conn.prepare(kStreamVersion);
  if (!st) return st.status();
  st->bind_text(1, stream);
  auto row = st->step();
  if (!row) return row.status();
  return *row ? st->int64(0) : 0;
}

Result<std::vector<Event>> query_fact(SqliteConnection& conn, std::string_view fact_id) {
  if (fact_id.empty()) return std::vector<Event>{};  // profile events have no fact
  auto st = conn.prepare(kSelectFact);
  if (!st) return st.status();
  st->bind_text(1, fact_id);
  return collect(*st);
}

// The last event of the log as this connection sees it. Inside a write
// transaction this is authoritative, also when another process (an import)
// has appended to the same file since this one last looked.
Result<LogHead> query_head(SqliteConnection& conn) {
  auto st = conn.prepare(kHeadRow);
  if (!st) return st.status();
  auto row = st->step();
  if (!row) return row.status();
  LogHead h;
  if (*row) {
    h.position = st->int64(0);
    h.hash = st->text(1);
    h.recorded_at_ms = st->int64(2);
  }
  return h;
}

Status insert_event(SqliteConnection& w, const Event& e, const std::string& content_digest) {
  auto st = w.prepare(kInsert);
  if (!st) return st.status();
  st->bind(1, e.position).bind_text(2, e.id).bind_text(3, e.stream).bind(4, e.version);
  st->bind_text(5, e.type);
  if (e.occurred)
    st->bind_text(6, *e.occurred);
  else
    st->bind_null(6);
  st->bind_text(7, domain::canonical(e.data))
      .bind_text(8, domain::canonical(e.participants))
      .bind_text(9, domain::canonical(e.sources))
      .bind(10, e.recorded_at.time_since_epoch().count())
      .bind_text(11, e.recorded_by);
  const std::string fact_id = e.fact_id();
  if (fact_id.empty())
    st->bind_null(12);
  else
    st->bind_text(12, fact_id);
  st->bind_text(13, content_digest).bind_text(14, e.hash);
  return st->run();
}

// Erases the content of every event about `fact_id` (a takedown of it was
// just written in the same transaction).
Status erase_fact(SqliteConnection& w, const std::string& fact_id) {
  for (const char* sql : {kErase, kEraseParticipants}) {
    auto st = w.prepare(sql);
    if (!st) return st.status();
    st->bind_text(1, fact_id);
    if (Status s = st->run(); !s) return s;
  }
  return Status::ok();
}

bool is_takedown(std::string_view type) {
  return domain::role_of(type) == domain::EventRole::takedown;
}

// The log as the append plan (store/append_plan.h) sees it: the writer
// connection inside the append's transaction. A storage failure in a
// LogView call is kept and answered by failure().
class WriterLog final : public AppendLog {
 public:
  explicit WriterLog(SqliteConnection& w) : w_(w) {}

  std::int64_t stream_version(std::string_view stream) override {
    auto v = query_stream_version(w_, stream);
    if (!v) {
      note(v.status());
      return 0;
    }
    return *v;
  }

  std::vector<Event> fact_events(std::string_view fact_id) override {
    auto events = query_fact(w_, fact_id);
    if (!events) {
      note(events.status());
      return {};
    }
    return std::move(*events);
  }

  std::optional<std::string> event_type(std::string_view id) override {
    auto st = w_.prepare("SELECT type FROM events WHERE id = ?1");
    if (!st) {
      note(st.status());
      return std::nullopt;
    }
    st->bind_text(1, id);
    auto row = st->step();
    if (!row) {
      note(row.status());
      return std::nullopt;
    }
    if (!*row) return std::nullopt;
    return std::string(st->text(0));
  }

  Result<std::optional<StoredId>> stored(std::string_view id) override {
    auto st = w_.prepare(kStoredById);
    if (!st) return st.status();
    st->bind_text(1, id);
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return std::optional<StoredId>();
    return std::optional<StoredId>(StoredId{std::string(st->text(0)), st->int64(1), st->int64(2),
                                            std::string(st->text(3)), std::string(st->text(4))});
  }

  Result<LogHead> head() override { return query_head(w_); }

  Status failure() const override { return error_; }

 private:
  void note(const Status& s) {
    if (error_.is_ok()) error_ = s;  // the first failure is the cause
  }
  SqliteConnection& w_;
  Status error_;
};

}  // namespace

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::open(std::shared_ptr<SqliteDatabase> db,
                                                                 domain::Clock& clock) {
  return guarded("event store", [&]() -> Result<std::unique_ptr<SqliteEventStore>> {
    if (!db) return Status::io_error("event store: no database");
    std::unique_ptr<SqliteEventStore> store(new SqliteEventStore(std::move(db), clock));
    auto r = store->db_->reader();
    if (!r) return r.status();
    auto head = query_head(r->connection());
    if (!head) return head.status();
    store->head_.store(head->position, std::memory_order_release);
    return store;
  });
}

void SqliteEventStore::commit_queued(const std::vector<Pending*>& mine) {
  group_commit_.run(mine, [this](const std::vector<Pending*>& group) {
    const std::int64_t head = commit_group(group);
    if (head > 0) notify(head);
  });
}

// Only a throw out of the queue (caught by guarded) leaves a result unset;
// then it is that error.
std::vector<Result<AppendResult>> SqliteEventStore::append_queued(
    std::span<const AppendRequest> requests) {
  return append_each(requests, [this](const std::vector<Pending*>& queued) {
    return guarded("event store", [&]() -> Status {
      commit_queued(queued);
      return Status::ok();
    });
  });
}

Result<AppendResult> SqliteEventStore::append(const AppendRequest& request) {
  return std::move(append_queued(std::span(&request, 1)).front());
}

std::vector<Result<AppendResult>> SqliteEventStore::append_all(
    const std::vector<AppendRequest>& requests) {
  return append_queued(requests);
}

SqliteEventStore::GroupStats SqliteEventStore::group_stats() const {
  return {groups_.load(std::memory_order_relaxed),
          grouped_requests_.load(std::memory_order_relaxed)};
}

namespace {

// A statement without results through the connection's statement cache
// (exec() would parse it again on every call: one savepoint per request).
Status run_prepared(SqliteConnection& c, std::string_view sql) {
  auto st = c.prepare(sql);
  if (!st) return st.status();
  return st->run();
}

}  // namespace

std::int64_t SqliteEventStore::commit_group(const std::vector<Pending*>& group) {
  auto fail_all = [&](const Status& s) {
    for (Pending* p : group) {
      if (!p->result || (p->result->ok() && (*p->result)->created)) p->result = s;
    }
  };
  Result<std::int64_t> head = guarded("event store", [&]() -> Result<std::int64_t> {
    auto w = db_->writer();
    SqliteConnection& c = w.connection();
    SqliteTransaction txn(c);
    if (Status s = txn.begin(); !s) return s;
    std::int64_t last = 0;
    bool erased = false;
    for (Pending* p : group) {
      if (Status s = run_prepared(c, "SAVEPOINT request"); !s) return s;
      Result<AppendResult> r = append_in_transaction(c, *p->request);
      if (!r.ok() && !is_refusal(r.status())) {
        p->result = r.status();
        return r.status();  // the transaction rolls back: nothing of the group is written
      }
      if (!r.ok()) {
        if (Status s = run_prepared(c, "ROLLBACK TO request"); !s) return s;
      }
      if (Status s = run_prepared(c, "RELEASE request"); !s) return s;
      if (r.ok() && r->created) last = r->events.back().position;
      if (r.ok() && r->erased) erased = true;
      p->result = std::move(r);
    }
    if (last == 0) return std::int64_t{0};  // retries and refusals only: nothing to commit
    if (Status s = txn.commit(); !s) return s;
    // The takedown is durable, and the erased rows' pages in the file were
    // zeroed (secure_delete); older WAL frames still hold the content. Empty
    // the WAL before anyone is told: a takedown is acknowledged only once no
    // byte of what it erased is left in the log's files.
    if (erased || purge_pending_.load()) {
      Status s = db_->truncate_wal(c);
      purge_pending_.store(!s.is_ok());
      if (!s)
        std::fprintf(stderr, "takedown: %s; retried after the next commit\n", s.message().c_str());
    }
    head_.store(last, std::memory_order_release);
    groups_.fetch_add(1, std::memory_order_relaxed);
    grouped_requests_.fetch_add(static_cast<std::int64_t>(group.size()), std::memory_order_relaxed);
    return last;
  });
  if (!head.ok()) {
    fail_all(head.status());
    return 0;
  }
  return *head;
}

Result<AppendResult> SqliteEventStore::append_in_transaction(SqliteConnection& w,
                                                             const AppendRequest& request) {
  // Decided inside this transaction, so nothing can change between the
  // checks and the write.
  WriterLog log(w);
  auto plan = plan_append(request, log, clock_.now());
  if (!plan.ok()) return plan.status();
  for (std::size_t i = 0; i < plan->events.size(); ++i) {
    if (Status s = insert_event(w, plan->events[i], plan->content_digests[i]); !s) return s;
  }
  for (const auto& fact : plan->erased_facts) {
    if (Status s = erase_fact(w, fact); !s) return s;
  }
  return std::move(plan->result);
}

Status SqliteEventStore::restore(const std::vector<domain::Event>& events) {
  return guarded("event store", [&]() -> Status {
    if (events.empty()) return Status::ok();
    std::int64_t added = 0;
    Status s;
    {
      auto w = db_->writer();
      s = restore_locked(w.connection(), events, added);
    }
    if (s && added > 0) notify(head());
    return s;
  });
}

Status SqliteEventStore::restore_locked(SqliteConnection& w,
                                        const std::vector<domain::Event>& events,
                                        std::int64_t& added) {
  SqliteTransaction txn(w);
  if (Status s = txn.begin(); !s) return s;
  auto head = query_head(w);
  if (!head) return head.status();
  WriterLog log(w);
  std::int64_t count = 0;
  bool erased = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    auto stored = log.stored(e.id);
    if (!stored.ok()) return stored.status();
    const std::int64_t version = log.stream_version(e.stream);
    if (Status s = log.failure(); !s) return s;
    auto skip = check_restored(e, *head, version, *stored);
    if (!skip.ok()) return skip.status();
    if (*skip) continue;
    if (Status r = check_restored_rules(e, i, log); !r) return r;
    if (Status f = log.failure(); !f) return f;
    if (Status s = insert_event(w, e, domain::content_digest(e)); !s) return s;
    // An export holds erased events already erased; one made by joining
    // exports of different times may not, so a takedown erases here too.
    if (is_takedown(e.type)) {
      if (Status s = erase_fact(w, e.fact_id()); !s) return s;
      erased = true;
    }
    head->position = e.position;
    head->hash = e.hash;
    head->recorded_at_ms = e.recorded_at.time_since_epoch().count();
    ++count;
  }
  if (Status s = txn.commit(); !s) return s;
  added = count;
  head_.store(head->position, std::memory_order_release);
  if (erased) return db_->truncate_wal(w);
  return Status::ok();
}

Result<std::vector<Event>> SqliteEventStore::read_stream(std::string_view stream,
                                                         std::int64_t from_version,
                                                         std::size_t limit) {
  return guarded("event store", [&]() -> Result<std::vector<Event>> {
    if (limit == 0) return std::vector<Event>{};
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectStream);
    if (!st) return st.status();
    st->bind_text(1, stream).bind(2, from_version).bind(3, to_limit(limit));
    return collect(*st);
  });
}

Result<std::vector<Event>> SqliteEventStore::read_all(std::int64_t after, std::size_t limit) {
  return guarded("event store", [&]() -> Result<std::vector<Event>> {
    if (limit == 0) return std::vector<Event>{};
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectAll);
    if (!st) return st.status();
    st->bind(1, after).bind(2, to_limit(limit));
    return collect(*st);
  });
}

Result<std::vector<StoredEvent>> SqliteEventStore::read_stored(std::int64_t after,
                                                               std::size_t limit) {
  return guarded("event store", [&]() -> Result<std::vector<StoredEvent>> {
    std::vector<StoredEvent> out;
    if (limit == 0) return out;
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectStored);
    if (!st) return st.status();
    st->bind(1, after).bind(2, to_limit(limit));
    for (;;) {
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) return out;
      StoredEvent stored;
      if (Status s = fill_from_row(*st, stored.event); !s) stored.damaged = s.message();
      stored.content_digest = st->text(13);
      out.push_back(std::move(stored));
    }
  });
}

Result<std::vector<Event>> SqliteEventStore::read_celebrity(std::string_view celebrity,
                                                            std::int64_t after, std::int64_t up_to,
                                                            std::size_t limit) {
  return guarded("event store", [&]() -> Result<std::vector<Event>> {
    if (limit == 0 || up_to <= after) return std::vector<Event>{};
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectCelebrity);
    if (!st) return st.status();
    st->bind_text(1, celebrity).bind(2, after).bind(3, up_to).bind(4, to_limit(limit));
    return collect(*st);
  });
}

const std::string& SqliteEventStore::celebrity_query() { return kSelectCelebrity; }

Result<std::int64_t> SqliteEventStore::position_at(domain::Millis t) {
  return guarded("event store", [&]() -> Result<std::int64_t> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kPositionAt);
    if (!st) return st.status();
    st->bind(1, t.time_since_epoch().count());
    auto row = st->step();
    if (!row) return row.status();
    return *row ? st->int64(0) : std::int64_t{0};
  });
}

Result<std::vector<Event>> SqliteEventStore::read_fact(std::string_view fact_id) {
  return guarded("event store", [&]() -> Result<std::vector<Event>> {
    auto r = db_->reader();
    if (!r) return r.status();
    return query_fact(r->connection(), fact_id);
  });
}

Result<std::optional<Event>> SqliteEventStore::find_event(std::string_view id) {
  return guarded("event store", [&]() -> Result<std::optional<Event>> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectById);
    if (!st) return st.status();
    st->bind_text(1, id);
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return std::optional<Event>();
    auto e = event_from_row(*st);
    if (!e) return e.status();
    return std::optional<Event>(std::move(*e));
  });
}

Result<std::int64_t> SqliteEventStore::stream_version(std::string_view stream) {
  return guarded("event store", [&]() -> Result<std::int64_t> {
    auto r = db_->reader();
    if (!r) return r.status();
    return query_stream_version(r->connection(), stream);
  });
}

Result<std::int64_t> SqliteEventStore::last_takedown() {
  return guarded("event store", [&]() -> Result<std::int64_t> {
    auto r = db_->reader();
    if (!r) return r.status();
    // Through the partial index events_takedowns.
    auto st = r->connection().prepare(
        "SELECT COALESCE(MAX(position), 0) FROM events WHERE type = 'content_taken_down'");
    if (!st) return st.status();
    auto row = st->step();
    if (!row) return row.status();
    return *row ? st->int64(0) : std::int64_t{0};
  });
}

Status SqliteEventStore::purge_erased() {
  return guarded("event store", [&]() -> Status {
    Status s = db_->truncate_wal();
    purge_pending_.store(!s.is_ok());
    return s;
  });
}

void SqliteEventStore::on_commit(std::function<void(std::int64_t head)> listener) {
  auto p = std::make_shared<const std::function<void(std::int64_t)>>(std::move(listener));
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  listeners_.push_back(std::move(p));
}

void SqliteEventStore::notify(std::int64_t head) {
  // A copy, so that a listener may register another without deadlock.
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners;
  {
    std::lock_guard<std::mutex> lock(listeners_mutex_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) {
    // The events are committed; a listener's failure must not turn the
    // append into an error that invites a retry.
    try {
      (*l)(head);
    } catch (...) {
    }
  }
}

}  // namespace starlog::store
