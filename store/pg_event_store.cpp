// The Starlog log on PostgreSQL: the schema, created on first use.
//
// starlog_schema(version integer): one row, 1 for this schema.
// events: the log, one row per event; the columns, their meaning and the
//   erased values of a takedown are those of the SQLite log
//   (store/sqlite_schema.cpp). Content stays text, never jsonb (jsonb would
//   reorder keys and change the digests). position bigint PRIMARY KEY,
//   UNIQUE(id), UNIQUE(stream, version), an index on fact_id, one on
//   recorded_at and a partial one of the takedowns.
// fact_participants(celebrity, fact_id): every celebrity a fact was ever
//   given as a participant (domain::participants_given), written beside each
//   insert; a takedown deletes its fact's rows.
// The trigger function starlog_events_guard refuses DELETE, TRUNCATE, an
//   insert that does not continue the log and its stream without a gap, and
//   every UPDATE but the lawful erasure (the SQLite trigger's rule).
#include "store/pg_event_store.h"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/fact.h"
#include "domain/hash_chain.h"
#include "store/append_plan.h"
#include "store/event_row.h"
#include "store/pg_connection.h"
#include "store/pg_pool.h"

namespace starlog::store {
namespace {

using domain::Event;

// Advisory lock keys (any two constants no other application uses).
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(1398032460, 1)";
constexpr const char* kAppendLock = "SELECT pg_advisory_xact_lock(1398032460, 2)";
constexpr const char* kChannel = "starlog_events";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS starlog_schema(version integer NOT NULL);
INSERT INTO starlog_schema SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM starlog_schema);
CREATE TABLE IF NOT EXISTS events(
  position       bigint PRIMARY KEY,
  id             text NOT NULL UNIQUE,
  stream         text NOT NULL,
  version        bigint NOT NULL,
  type           text NOT NULL,
  occurred       text,
  data           text NOT NULL,
  participants   text NOT NULL,
  sources        text NOT NULL,
  recorded_at    bigint NOT NULL,
  recorded_by    text NOT NULL,
  fact_id        text,
  content_digest text NOT NULL,
  hash           text NOT NULL,
  UNIQUE(stream, version)
);
CREATE INDEX IF NOT EXISTS events_fact_id ON events(fact_id) WHERE fact_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_recorded_at ON events(recorded_at);
CREATE INDEX IF NOT EXISTS events_takedowns ON events(position) WHERE type = 'content_taken_down';
CREATE TABLE IF NOT EXISTS fact_participants(
  celebrity text NOT NULL,
  fact_id   text NOT NULL,
  PRIMARY KEY(celebrity, fact_id)
);
CREATE OR REPLACE FUNCTION starlog_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.position IS DISTINCT FROM (SELECT COALESCE(MAX(position), 0) + 1 FROM events)
       OR NEW.version IS DISTINCT FROM
          (SELECT COALESCE(MAX(version), 0) + 1 FROM events WHERE stream = NEW.stream) THEN
      RAISE EXCEPTION 'events are append-only: a new event continues its stream and the log without gaps';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE'
     AND NEW.position IS NOT DISTINCT FROM OLD.position AND NEW.id IS NOT DISTINCT FROM OLD.id
     AND NEW.stream IS NOT DISTINCT FROM OLD.stream AND NEW.version IS NOT DISTINCT FROM OLD.version
     AND NEW.recorded_at IS NOT DISTINCT FROM OLD.recorded_at
     AND NEW.recorded_by IS NOT DISTINCT FROM OLD.recorded_by
     AND NEW.fact_id IS NOT DISTINCT FROM OLD.fact_id
     AND NEW.content_digest IS NOT DISTINCT FROM OLD.content_digest
     AND NEW.hash IS NOT DISTINCT FROM OLD.hash
     AND NEW.type = '' AND NEW.occurred IS NULL AND NEW.data = '{}'
     AND NEW.participants = '[]' AND NEW.sources = '[]'
     AND OLD.fact_id IS NOT NULL AND OLD.type <> 'content_taken_down'
     AND EXISTS (SELECT 1 FROM events t
                 WHERE t.fact_id = OLD.fact_id AND t.type = 'content_taken_down') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'events are append-only: only a content_taken_down event may erase the content of its fact''s events';
END $$;
CREATE OR REPLACE TRIGGER events_guard BEFORE INSERT OR UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION starlog_events_guard();
CREATE OR REPLACE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION starlog_events_guard();
)sql";

const std::string kColumns =
    "e.position, e.id, e.stream, e.version, e.type, e.occurred, e.data, e.participants, "
    "e.sources, e.recorded_at, e.recorded_by, e.hash, e.fact_id, e.content_digest, CASE WHEN "
    "e.type = '' THEN (SELECT json_build_array(t.id, t.recorded_at, t.data::json->>'reason')::text"
    " FROM events t WHERE t.fact_id = e.fact_id AND t.type = 'content_taken_down'"
    " ORDER BY t.position LIMIT 1) END";
const std::string kFrom = " FROM events e ";

std::string num(std::int64_t v) { return std::to_string(v); }

// The events of a result selecting kColumns.
Result<std::vector<Event>> collect(const PgResult& r) {
  std::vector<Event> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    auto optional = [&](int column) -> std::optional<std::string_view> {
      if (r.is_null(i, column)) return std::nullopt;
      return r.text(i, column);
    };
    EventColumns c;
    c.position = r.int64(i, 0);
    c.id = r.text(i, 1);
    c.stream = r.text(i, 2);
    c.version = r.int64(i, 3);
    c.type = r.text(i, 4);
    c.occurred = optional(5);
    c.data = r.text(i, 6);
    c.participants = r.text(i, 7);
    c.sources = r.text(i, 8);
    c.recorded_at_ms = r.int64(i, 9);
    c.recorded_by = r.text(i, 10);
    c.hash = r.text(i, 11);
    c.fact_id = optional(12);
    c.content_digest = r.text(i, 13);
    c.takedown = optional(14);
    Event e;
    if (Status s = event_from_columns(c, e); !s) return s;
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Event>> select(PgConnection& c, const std::string& where,
                                  const std::vector<PgParam>& params) {
  auto r = c.query("SELECT " + kColumns + kFrom + where, params);
  if (!r.ok()) return r.status();
  return collect(*r);
}

Result<LogHead> query_head(PgConnection& c) {
  auto r = c.query("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1");
  if (!r.ok()) return r.status();
  LogHead h;
  if (r->rows() > 0) {
    h.position = r->int64(0, 0);
    h.hash = r->text(0, 1);
    h.recorded_at_ms = r->int64(0, 2);
  }
  return h;
}

Result<std::int64_t> query_stream_version(PgConnection& c, std::string_view stream) {
  auto r = c.query("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = $1",
                   {std::string(stream)});
  if (!r.ok()) return r.status();
  return r->int64(0, 0);
}

Result<std::optional<StoredId>> query_stored(PgConnection& c, std::string_view id) {
  auto r =
      c.query("SELECT stream, version, position, content_digest, hash FROM events WHERE id = $1",
              {std::string(id)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<StoredId>();
  return std::optional<StoredId>(StoredId{std::string(r->text(0, 0)), r->int64(0, 1),
                                          r->int64(0, 2), std::string(r->text(0, 3)),
                                          std::string(r->text(0, 4))});
}

Status insert_event(PgConnection& c, const Event& e, const std::string& content_digest) {
  const std::string fact_id = e.fact_id();
  Status s = c.run(
      "INSERT INTO events(position, id, stream, version, type, occurred, data, participants,"
      " sources, recorded_at, recorded_by, fact_id, content_digest, hash)"
      " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      {num(e.position), e.id, e.stream, num(e.version), e.type, e.occurred,
       domain::canonical(e.data), domain::canonical(e.participants), domain::canonical(e.sources),
       num(e.recorded_at.time_since_epoch().count()), e.recorded_by,
       fact_id.empty() ? PgParam() : PgParam(fact_id), content_digest, e.hash});
  if (!s) return s;
  for (const auto& celebrity : domain::participants_given(e)) {
    if (Status p = c.run("INSERT INTO fact_participants(celebrity, fact_id) VALUES($1, $2)"
                         " ON CONFLICT DO NOTHING",
                         {celebrity, fact_id});
        !p)
      return p;
  }
  return Status::ok();
}

Status erase_fact(PgConnection& c, const std::string& fact_id) {
  if (Status s =
          c.run("UPDATE events SET type = '', occurred = NULL, data = '{}', participants = '[]',"
                " sources = '[]' WHERE fact_id = $1 AND type NOT IN ('', 'content_taken_down')",
                {fact_id});
      !s)
    return s;
  return c.run("DELETE FROM fact_participants WHERE fact_id = $1", {fact_id});
}

// The log as the append plan sees it, inside the writer's transaction.
class WriterLog final : public AppendLog {
 public:
  explicit WriterLog(PgConnection& c) : c_(c) {}
  std::int64_t stream_version(std::string_view stream) override {
    auto v = query_stream_version(c_, stream);
    if (!v.ok()) return note(v.status()), 0;
    return *v;
  }
  std::vector<Event> fact_events(std::string_view fact_id) override {
    if (fact_id.empty()) return {};
    auto r = select(c_, "WHERE e.fact_id = $1 ORDER BY e.position", {std::string(fact_id)});
    if (!r.ok()) return note(r.status()), std::vector<Event>{};
    return std::move(*r);
  }
  std::optional<std::string> event_type(std::string_view id) override {
    auto r = c_.query("SELECT type FROM events WHERE id = $1", {std::string(id)});
    if (!r.ok()) return note(r.status()), std::nullopt;
    if (r->rows() == 0) return std::nullopt;
    return std::string(r->text(0, 0));
  }
  Result<std::optional<StoredId>> stored(std::string_view id) override {
    return query_stored(c_, id);
  }
  // Read once per group commit, then carried along as its requests append.
  Result<LogHead> head() override {
    if (head_) return *head_;
    auto h = query_head(c_);
    if (h.ok()) head_ = *h;
    return h;
  }
  // `e` was inserted: it is the head now.
  void advance(const Event& e) {
    head_ = LogHead{e.position, e.hash, e.recorded_at.time_since_epoch().count()};
  }
  Status failure() const override { return error_; }

 private:
  void note(const Status& s) {
    if (error_.is_ok()) error_ = s;
  }
  PgConnection& c_;
  Status error_;
  std::optional<LogHead> head_;
};

}  // namespace

template <class F>
auto PgEventStore::with_reader(F&& f) -> decltype(f(std::declval<PgConnection&>())) {
  return readers_->with(std::forward<F>(f));
}

PgEventStore::PgEventStore(std::string uri, domain::Clock& clock)
    : uri_(std::move(uri)), clock_(clock), readers_(std::make_unique<PgPool>(uri_, kIdleReaders)) {}

Result<std::unique_ptr<PgEventStore>> PgEventStore::open(const std::string& uri,
                                                         domain::Clock& clock) {
  std::unique_ptr<PgEventStore> store(new PgEventStore(uri, clock));
  auto w = PgConnection::open(uri);
  if (!w.ok()) return w.status();
  // Nodes starting together: one creates the schema, the others wait and
  // find it there.
  Status s = (*w)->run("BEGIN");
  if (s) s = (*w)->run(kSchemaLock);
  if (s) s = (*w)->run(kSchema);
  if (s) s = (*w)->run("COMMIT");
  if (!s) return Status::io_error("postgresql: cannot create the schema: " + s.message());
  store->writer_ = std::move(*w);
  auto head = query_head(*store->writer_);
  if (!head.ok()) return head.status();
  store->head_ = head->position;
  store->listener_ = std::thread([p = store.get()] { p->listen_loop(); });
  return store;
}

PgEventStore::~PgEventStore() {
  stop_ = true;
  if (listener_.joinable()) listener_.join();
}

void PgEventStore::commit_queued(const std::vector<Pending*>& mine) {
  group_commit_.run(mine, [this](const std::vector<Pending*>& group) {
    const std::int64_t head = commit_group(group);
    if (head > 0) notify(head);
  });
}

std::int64_t PgEventStore::commit_group(const std::vector<Pending*>& group) {
  auto fail_all = [&](const Status& s) {
    for (Pending* p : group) {
      if (!p->result || (p->result->ok() && (*p->result)->created)) p->result = s;
    }
  };
  if (!writer_ || !writer_->alive()) {
    auto w = PgConnection::open(uri_);
    if (!w.ok()) {
      fail_all(w.status());
      return 0;
    }
    writer_ = std::move(*w);
  }
  PgConnection& c = *writer_;
  bool erased = false;
  auto body = [&]() -> Result<std::int64_t> {
    if (Status s = c.run("BEGIN"); !s) return s;
    // Held to COMMIT: appends of every node one after another, so
    // positions follow commit order.
    if (Status s = c.run(kAppendLock); !s) return s;
    std::int64_t last = 0;
    WriterLog log(c);
    for (Pending* p : group) {
      if (Status s = c.run("SAVEPOINT request"); !s) return s;
      Result<AppendResult> r = [&]() -> Result<AppendResult> {
        auto plan = plan_append(*p->request, log, clock_.now());
        if (!plan.ok()) return plan.status();
        for (std::size_t i = 0; i < plan->events.size(); ++i) {
          if (Status s = insert_event(c, plan->events[i], plan->content_digests[i]); !s) return s;
        }
        if (!plan->events.empty()) log.advance(plan->events.back());
        for (const auto& fact : plan->erased_facts) {
          if (Status s = erase_fact(c, fact); !s) return s;
        }
        return std::move(plan->result);
      }();
      if (!r.ok() && !is_refusal(r.status())) {
        p->result = r.status();
        return r.status();
      }
      if (!r.ok()) {
        if (Status s = c.run("ROLLBACK TO SAVEPOINT request"); !s) return s;
      }
      if (Status s = c.run("RELEASE SAVEPOINT request"); !s) return s;
      if (r.ok() && r->created) last = r->events.back().position;
      if (r.ok() && r->erased) erased = true;
      p->result = std::move(r);
    }
    if (last == 0) {
      if (Status s = c.run("ROLLBACK"); !s) return s;
      return std::int64_t{0};
    }
    // Delivered to every listening node when (and only if) this commits.
    if (Status s = c.run("SELECT pg_notify($1, $2)", {std::string(kChannel), num(last)}); !s)
      return s;
    if (Status s = c.run("COMMIT"); !s)
      return Status::unavailable(
          "the commit's outcome is unknown (" + s.message() +
          "); send the same request again: its event ids tell whether it was stored");
    return last;
  };
  auto head = body();
  if (!head.ok()) {
    (void)c.run("ROLLBACK");
    fail_all(head.status());
    return 0;
  }
  if (*head > 0) {
    std::int64_t known = head_.load();
    while (known < *head && !head_.compare_exchange_weak(known, *head)) {
    }
  }
  if (erased) {
    if (Status s = purge_erased(); !s) std::fprintf(stderr, "takedown: %s\n", s.message().c_str());
  }
  return *head;
}

Result<AppendResult> PgEventStore::append(const AppendRequest& request) {
  return std::move(append_queued(std::span(&request, 1)).front());
}

std::vector<Result<AppendResult>> PgEventStore::append_all(
    const std::vector<AppendRequest>& requests) {
  return append_queued(requests);
}

std::vector<Result<AppendResult>> PgEventStore::append_queued(
    std::span<const AppendRequest> requests) {
  return append_each(requests, [this](const std::vector<Pending*>& queued) {
    commit_queued(queued);
    return Status::ok();
  });
}

Status PgEventStore::restore(const std::vector<Event>& events) {
  if (events.empty()) return Status::ok();
  std::int64_t position = 0;
  bool erased = false;
  Status s = with_reader([&](PgConnection& c) -> Status {
    auto body = [&]() -> Status {
      if (Status s = c.run("BEGIN"); !s) return s;
      if (Status s = c.run(kAppendLock); !s) return s;
      auto head = query_head(c);
      if (!head.ok()) return head.status();
      WriterLog log(c);
      for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        auto stored = log.stored(e.id);
        if (!stored.ok()) return stored.status();
        const std::int64_t version = log.stream_version(e.stream);
        if (Status f = log.failure(); !f) return f;
        auto skip = check_restored(e, *head, version, *stored);
        if (!skip.ok()) return skip.status();
        if (*skip) continue;
        if (Status r = check_restored_rules(e, i, log); !r) return r;
        if (Status f = log.failure(); !f) return f;
        if (Status w = insert_event(c, e, domain::content_digest(e)); !w) return w;
        if (domain::role_of(e.type) == domain::EventRole::takedown && !e.taken_down()) {
          if (Status x = erase_fact(c, e.fact_id()); !x) return x;
          erased = true;
        }
        head->position = e.position;
        head->hash = e.hash;
        head->recorded_at_ms = e.recorded_at.time_since_epoch().count();
      }
      position = head->position;
      if (Status n = c.run("SELECT pg_notify($1, $2)", {std::string(kChannel), num(position)}); !n)
        return n;
      return c.run("COMMIT");
    };
    Status out = body();
    if (!out) (void)c.run("ROLLBACK");
    return out;
  });
  if (!s) return s;
  std::int64_t known = head_.load();
  while (known < position && !head_.compare_exchange_weak(known, position)) {
  }
  if (erased) {
    if (Status p = purge_erased(); !p) return p;
  }
  notify(position);
  return Status::ok();
}

Result<std::vector<Event>> PgEventStore::read_stream(std::string_view stream,
                                                     std::int64_t from_version, std::size_t limit) {
  return with_reader([&](PgConnection& c) {
    return select(c, "WHERE e.stream = $1 AND e.version >= $2 ORDER BY e.version LIMIT $3",
                  {std::string(stream), num(from_version), num(static_cast<std::int64_t>(limit))});
  });
}

Result<std::vector<Event>> PgEventStore::read_all(std::int64_t after, std::size_t limit) {
  return with_reader([&](PgConnection& c) {
    return select(c, "WHERE e.position > $1 ORDER BY e.position LIMIT $2",
                  {num(after), num(static_cast<std::int64_t>(limit))});
  });
}

Result<std::vector<Event>> PgEventStore::read_fact(std::string_view fact_id) {
  if (fact_id.empty()) return std::vector<Event>{};
  return with_reader([&](PgConnection& c) {
    return select(c, "WHERE e.fact_id = $1 ORDER BY e.position", {std::string(fact_id)});
  });
}

Result<std::optional<Event>> PgEventStore::find_event(std::string_view id) {
  auto r =
      with_reader([&](PgConnection& c) { return select(c, "WHERE e.id = $1", {std::string(id)}); });
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Event>();
  return std::optional<Event>(std::move(r->front()));
}

Result<std::vector<StoredEvent>> PgEventStore::read_stored(std::int64_t after, std::size_t limit) {
  return with_reader([&](PgConnection& c) -> Result<std::vector<StoredEvent>> {
    auto r =
        c.query("SELECT " + kColumns + kFrom + "WHERE e.position > $1 ORDER BY e.position LIMIT $2",
                {num(after), num(static_cast<std::int64_t>(limit))});
    if (!r.ok()) return r.status();
    std::vector<StoredEvent> out;
    for (int i = 0; i < r->rows(); ++i) {
      StoredEvent s;
      // One row at a time, so that a row whose content does not read is
      // reported as damaged rather than failing the whole page.
      auto one =
          c.query("SELECT " + kColumns + kFrom + "WHERE e.position = $1", {num(r->int64(i, 0))});
      if (!one.ok()) return one.status();
      auto events = collect(*one);
      if (events.ok()) {
        s.event = std::move(events->front());
      } else {
        s.event.position = r->int64(i, 0);
        s.event.id = r->text(i, 1);
        s.event.stream = r->text(i, 2);
        s.event.version = r->int64(i, 3);
        s.damaged = events.status().message();
      }
      s.content_digest = r->text(i, 13);
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::vector<Event>> PgEventStore::read_celebrity(std::string_view celebrity,
                                                        std::int64_t after, std::int64_t up_to,
                                                        std::size_t limit) {
  if (limit == 0 || up_to <= after) return std::vector<Event>{};
  return with_reader([&](PgConnection& c) {
    return select(
        c,
        "WHERE e.position > $2 AND e.position <= $3 AND (e.stream = $1 OR e.fact_id IN"
        " (SELECT fact_id FROM fact_participants WHERE celebrity = $1))"
        " ORDER BY e.position LIMIT $4",
        {std::string(celebrity), num(after), num(up_to), num(static_cast<std::int64_t>(limit))});
  });
}

Result<std::int64_t> PgEventStore::position_at(domain::Millis t) {
  return with_reader([&](PgConnection& c) -> Result<std::int64_t> {
    auto r = c.query(
        "SELECT position FROM events WHERE recorded_at <= $1"
        " ORDER BY recorded_at DESC, position DESC LIMIT 1",
        {num(t.time_since_epoch().count())});
    if (!r.ok()) return r.status();
    return r->rows() ? r->int64(0, 0) : std::int64_t{0};
  });
}

Status PgEventStore::purge_erased() {
  return with_reader([&](PgConnection& c) -> Status {
    // VACUUM FULL writes each table anew: the row versions from before the
    // erasure (and their TOAST) are gone with the old files.
    return c.run("VACUUM FULL events, fact_participants");
  });
}

Result<std::int64_t> PgEventStore::last_takedown() {
  return with_reader([&](PgConnection& c) -> Result<std::int64_t> {
    auto r =
        c.query("SELECT COALESCE(MAX(position), 0) FROM events WHERE type = 'content_taken_down'");
    if (!r.ok()) return r.status();
    return r->int64(0, 0);
  });
}

std::int64_t PgEventStore::head() {
  // Readers that arrive while a head query is running wait for the next
  // one, which starts after they arrived and so sees every commit answered
  // before they asked; one query then answers all of them. Under load this
  // is one query in flight, not one per read.
  std::unique_lock lock(head_mutex_);
  const std::uint64_t needed = head_started_ + 1;
  while (head_done_ < needed) {
    if (head_querying_) {
      head_cv_.wait(lock);
      continue;
    }
    head_querying_ = true;
    const std::uint64_t mine = ++head_started_;
    lock.unlock();
    auto r = with_reader([&](PgConnection& c) -> Result<std::int64_t> {
      auto q = c.query("SELECT COALESCE(MAX(position), 0) FROM events");
      if (!q.ok()) return q.status();
      return q->int64(0, 0);
    });
    if (r.ok()) {
      std::int64_t known = head_.load();
      while (known < *r && !head_.compare_exchange_weak(known, *r)) {
      }
    }
    lock.lock();
    head_querying_ = false;
    head_done_ = mine;
    // The database unreachable: the last head known (reads keep being
    // served from what this node has folded).
    head_answer_ = r.ok() ? *r : head_.load();
    head_cv_.notify_all();
  }
  return head_answer_;
}

Status PgEventStore::reachable() {
  return with_reader([&](PgConnection& c) { return c.run("SELECT 1"); });
}

Result<std::int64_t> PgEventStore::stream_version(std::string_view stream) {
  return with_reader([&](PgConnection& c) { return query_stream_version(c, stream); });
}

void PgEventStore::on_commit(std::function<void(std::int64_t head)> listener) {
  auto p = std::make_shared<const std::function<void(std::int64_t)>>(std::move(listener));
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(p));
}

void PgEventStore::notify(std::int64_t head) {
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners;
  {
    std::lock_guard lock(listeners_mutex_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) {
    try {
      (*l)(head);
    } catch (...) {
    }
  }
}

void PgEventStore::listen_loop() {
  std::unique_ptr<PgConnection> c;
  while (!stop_) {
    if (!c || !c->ok()) {
      auto opened = PgConnection::open(uri_);
      if (!opened.ok() || !(*opened)->run(std::string("LISTEN ") + kChannel)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      c = std::move(*opened);
      // Appends made while nobody listened: a wake-up covers them.
      notify(head());
    }
    pollfd fd{c->socket(), POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    if (!c->consume()) {
      c.reset();
      continue;
    }
    std::int64_t newest = 0;
    while (auto n = c->notification())
      newest = std::max<std::int64_t>(newest, std::atoll(n->second.c_str()));
    if (newest > 0) {
      std::int64_t known = head_.load();
      while (known < newest && !head_.compare_exchange_weak(known, newest)) {
      }
      notify(newest);
    }
  }
}

}  // namespace starlog::store
