#include "store/sqlite_projection_store.h"

#include <chrono>

#include "store/guard.h"
#include "store/sqlite_rows.h"

namespace starlog::store {
namespace {

constexpr const char* kWho = "projection store";

// Read statements find the space of the name bound to ?1 inside the
// statement itself, so the name and the rows come from one snapshot: a read
// racing a swap sees the old space whole or the new one whole, and never a
// space the sweeper has started deleting.
#define STARLOG_SPACE_OF_1 "COALESCE((SELECT space FROM projection_names WHERE name = ?1), ?1)"

constexpr const char* kSelectCheckpoint =
    "SELECT position, code_version FROM projection_checkpoints WHERE projection "
    "= " STARLOG_SPACE_OF_1;
constexpr const char* kGetRow =
    "SELECT value FROM projection_rows WHERE projection = " STARLOG_SPACE_OF_1 " AND key = ?2";
// One text per direction and bound, so that SQLite walks the primary key
// between the bounds in either direction rather than filtering a wider range.
constexpr const char* kScan[2][2] = {
    // ascending: unbounded, bounded above
    {"SELECT key, value FROM projection_rows WHERE projection = " STARLOG_SPACE_OF_1
     " AND key >= ?2 ORDER BY key",
     "SELECT key, value FROM projection_rows WHERE projection = " STARLOG_SPACE_OF_1
     " AND key >= ?2 AND key < ?3 ORDER BY key"},
    // descending
    {"SELECT key, value FROM projection_rows WHERE projection = " STARLOG_SPACE_OF_1
     " AND key >= ?2 ORDER BY key DESC",
     "SELECT key, value FROM projection_rows WHERE projection = " STARLOG_SPACE_OF_1
     " AND key >= ?2 AND key < ?3 ORDER BY key DESC"},
};
#undef STARLOG_SPACE_OF_1

// Writes run on the writer, which alone changes projection_names, so they
// resolve the space once per transaction (space_of) and bind it.
constexpr const char* kSpaceOf = "SELECT space FROM projection_names WHERE name = ?1";
constexpr const char* kSetSpace =
    "INSERT INTO projection_names(name, space) VALUES(?1, ?2)"
    " ON CONFLICT(name) DO UPDATE SET space = excluded.space";
constexpr const char* kUpsertCheckpoint =
    "INSERT INTO projection_checkpoints(projection, position, code_version) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(projection) DO UPDATE SET position = excluded.position,"
    " code_version = excluded.code_version";
constexpr const char* kUpsertRow =
    "INSERT INTO projection_rows(projection, key, value) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(projection, key) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteRow = "DELETE FROM projection_rows WHERE projection = ?1 AND key = ?2";
constexpr const char* kDeleteCheckpoint =
    "DELETE FROM projection_checkpoints WHERE projection = ?1";
constexpr const char* kHasRows =
    "SELECT EXISTS(SELECT 1 FROM projection_rows WHERE projection = ?1)";
constexpr const char* kHasCheckpoint =
    "SELECT EXISTS(SELECT 1 FROM projection_checkpoints WHERE projection = ?1)";
constexpr const char* kSpaceInUse =
    "SELECT EXISTS(SELECT 1 FROM projection_names WHERE name = ?1 OR space = ?1)"
    " OR EXISTS(SELECT 1 FROM projection_trash WHERE space = ?1)"
    " OR EXISTS(SELECT 1 FROM projection_checkpoints WHERE projection = ?1)"
    " OR EXISTS(SELECT 1 FROM projection_rows WHERE projection = ?1)";
constexpr const char* kTrash = "INSERT OR IGNORE INTO projection_trash(space) VALUES(?1)";
constexpr const char* kFirstTrash = "SELECT space FROM projection_trash LIMIT 1";
constexpr const char* kUntrash = "DELETE FROM projection_trash WHERE space = ?1";
constexpr const char* kSweepRows =
    "DELETE FROM projection_rows WHERE projection = ?1 AND key IN"
    " (SELECT key FROM projection_rows WHERE projection = ?1 LIMIT ?2)";

// Runs `sql` with ?1 = a and, when given, ?2 = b.
Status run(SqliteConnection& c, const char* sql, std::string_view a, std::string_view b = {}) {
  auto st = c.prepare(sql);
  if (!st) return st.status();
  st->bind_text(1, a);
  if (!b.empty()) st->bind_text(2, b);
  return st->run();
}

// The 0/1 answer of an EXISTS query on ?1 = a.
Result<bool> exists(SqliteConnection& c, const char* sql, std::string_view a) {
  auto st = c.prepare(sql);
  if (!st) return st.status();
  st->bind_text(1, a);
  auto row = st->step();
  if (!row) return row.status();
  return *row && st->int64(0) != 0;
}

// The space `name` lives in (inside the writer's transaction).
Result<std::string> space_of(SqliteConnection& c, std::string_view name) {
  auto st = c.prepare(kSpaceOf);
  if (!st) return st.status();
  st->bind_text(1, name);
  auto row = st->step();
  if (!row) return row.status();
  return *row ? std::string(st->text(0)) : std::string(name);
}

// A space no name, checkpoint, row or pending deletion uses yet, for `name`.
Result<std::string> fresh_space(SqliteConnection& c, std::string_view name) {
  for (int n = 1;; ++n) {
    std::string space = std::string(name) + "@" + std::to_string(n);
    auto used = exists(c, kSpaceInUse, space);
    if (!used.ok()) return used.status();
    if (!*used) return space;
  }
}

// Points `name` at a new, empty space and hands its old one to the sweeper
// (when it holds rows) with its checkpoint gone. O(1) whatever the rows.
Status retire(SqliteConnection& c, std::string_view name, const std::string& old_space) {
  auto rows = exists(c, kHasRows, old_space);
  if (!rows.ok()) return rows.status();
  if (*rows) {
    if (Status s = run(c, kTrash, old_space); !s) return s;
  }
  if (Status s = run(c, kDeleteCheckpoint, old_space); !s) return s;
  auto fresh = fresh_space(c, name);
  if (!fresh.ok()) return fresh.status();
  return run(c, kSetSpace, name, *fresh);
}

}  // namespace

// Small transactions with a pause between them, so that appends waiting for
// the writer get it between two; a failure waits for the next wake-up. The
// first run deletes rows a previous process left in the trash.
SqliteProjectionStore::SqliteProjectionStore(std::shared_ptr<SqliteDatabase> db)
    : db_(std::move(db)),
      sweeper_(
          [this]() -> domain::BackgroundWorker::Next {
            auto more = sweep_some(kSweepRowsPerTransaction);
            if (!more.ok() || !*more) return std::nullopt;
            return kSweepPause;
          },
          domain::BackgroundWorker::Start::woken) {}

SqliteProjectionStore::~SqliteProjectionStore() { sweeper_.stop(); }

Result<std::unique_ptr<SqliteProjectionStore>> SqliteProjectionStore::open(
    std::shared_ptr<SqliteDatabase> db) {
  if (!db) return Status::io_error("projection store: no database");
  if (&db->schema() != &read_model_schema())
    return Status::io_error("projection store: '" + db->path() + "' is not a read-model file");
  return std::make_unique<SqliteProjectionStore>(std::move(db));
}

Result<Checkpoint> SqliteProjectionStore::checkpoint(std::string_view projection) {
  return guarded(kWho, [&]() -> Result<Checkpoint> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectCheckpoint);
    if (!st) return st.status();
    st->bind_text(1, projection);
    return first_checkpoint(*st);
  });
}

Status SqliteProjectionStore::commit(std::string_view projection,
                                     const std::vector<KvWrite>& writes, Checkpoint checkpoint) {
  Status s = guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    SqliteTransaction txn(w.connection());
    if (Status s = txn.begin(); !s) return s;
    auto space = space_of(w.connection(), projection);
    if (!space.ok()) return space.status();
    {
      auto upsert = w->prepare(kUpsertRow);
      if (!upsert) return upsert.status();
      auto erase = w->prepare(kDeleteRow);
      if (!erase) return erase.status();
      for (const KvWrite& kv : writes) {
        SqliteStatement& st = kv.value ? *upsert : *erase;
        st.reset();
        st.bind_text(1, *space).bind_blob(2, kv.key);
        if (kv.value) st.bind_blob(3, *kv.value);
        if (Status s = st.run(); !s) return s;
      }
      auto cp = w->prepare(kUpsertCheckpoint);
      if (!cp) return cp.status();
      cp->bind_text(1, *space).bind(2, checkpoint.position).bind(3, checkpoint.code_version);
      if (Status s = cp->run(); !s) return s;
    }
    return txn.commit();
  });
  // Even after a failure: a failed COMMIT may still have made it.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return s;
}

Result<std::optional<std::string>> SqliteProjectionStore::get(std::string_view projection,
                                                              std::string_view key) {
  return guarded(kWho, [&]() -> Result<std::optional<std::string>> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kGetRow);
    if (!st) return st.status();
    st->bind_text(1, projection).bind_blob(2, key);
    return first_blob(*st);
  });
}

Status SqliteProjectionStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  return guarded(kWho, [&]() -> Status {
    auto r = db_->reader();
    if (!r) return r.status();
    // Row by row from the statement: a projection may be far larger than
    // what one caller wants to see.
    return scan_range(r->connection(), kScan, projection, lower, upper, reverse, visit);
  });
}

Result<Checkpoint> SqliteProjectionStore::scan_all(
    std::string_view projection,
    const std::function<void(std::string_view key, std::string_view value)>& visit) {
  return guarded(kWho, [&]() -> Result<Checkpoint> {
    auto r = db_->reader();
    if (!r) return r.status();
    SqliteConnection& c = r->connection();
    // One read transaction around both statements: in WAL mode its snapshot
    // is fixed at the first read, so rows and checkpoint agree.
    if (Status s = c.exec("BEGIN"); !s) return s;
    struct End {
      SqliteConnection& c;
      ~End() {
        if (c.in_transaction()) c.exec("COMMIT");  // a read: nothing to lose
      }
    } end{c};
    Result<Checkpoint> cp = Checkpoint{};
    {
      auto st = c.prepare(kSelectCheckpoint);
      if (!st) return st.status();
      st->bind_text(1, projection);
      cp = first_checkpoint(*st);
      if (!cp) return cp.status();
    }
    if (Status s = scan_every(c, kScan, projection, visit); !s) return s;
    return cp;
  });
}

Status SqliteProjectionStore::purge_erased() {
  if (Status s = sweep(); !s) return s;
  return guarded(kWho, [&]() -> Status { return db_->truncate_wal(); });
}

Status SqliteProjectionStore::drop(std::string_view projection) {
  Status s = guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    SqliteConnection& c = w.connection();
    SqliteTransaction txn(c);
    if (Status s = txn.begin(); !s) return s;
    auto space = space_of(c, projection);
    if (!space.ok()) return space.status();
    if (Status s = retire(c, projection, *space); !s) return s;
    return txn.commit();
  });
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (s) sweeper_.wake();
  return s;
}

Status SqliteProjectionStore::rename(std::string_view from, std::string_view to) {
  Status s = guarded(kWho, [&]() -> Status {
    if (from == to) return Status::ok();
    if (from.empty() || to.empty()) return Status::invalid("a projection name cannot be empty");
    auto w = db_->writer();
    SqliteConnection& c = w.connection();
    SqliteTransaction txn(c);
    if (Status s = txn.begin(); !s) return s;
    auto from_space = space_of(c, from);
    if (!from_space.ok()) return from_space.status();
    auto to_space = space_of(c, to);
    if (!to_space.ok()) return to_space.status();
    auto has_rows = exists(c, kHasRows, *from_space);
    if (!has_rows.ok()) return has_rows.status();
    auto has_checkpoint = exists(c, kHasCheckpoint, *from_space);
    if (!has_checkpoint.ok()) return has_checkpoint.status();
    if (!*has_rows && !*has_checkpoint)
      return Status::not_found("projection " + std::string(from) + " does not exist");
    // `to` names `from`'s space; its old space goes to the sweeper, and
    // `from` names a new, empty one. Readers see the old `to` until COMMIT,
    // then the new one: never a mix.
    if (Status s = retire(c, to, *to_space); !s) return s;
    auto fresh = fresh_space(c, from);
    if (!fresh.ok()) return fresh.status();
    if (Status s = run(c, kSetSpace, from, *fresh); !s) return s;
    if (Status s = run(c, kSetSpace, to, *from_space); !s) return s;
    return txn.commit();
  });
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (s) sweeper_.wake();
  return s;
}

Result<bool> SqliteProjectionStore::sweep_some(std::int64_t max_rows) {
  return guarded(kWho, [&]() -> Result<bool> {
    auto w = db_->writer();
    SqliteConnection& c = w.connection();
    SqliteTransaction txn(c);
    if (Status s = txn.begin(); !s) return s;
    std::string space;
    {
      auto st = c.prepare(kFirstTrash);
      if (!st) return st.status();
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) return false;
      space = std::string(st->text(0));
    }
    auto st = c.prepare(kSweepRows);
    if (!st) return st.status();
    st->bind_text(1, space).bind(2, max_rows);
    if (Status s = st->run(); !s) return s;
    if (sqlite3_changes(c.handle()) == 0) {
      if (Status s = run(c, kUntrash, space); !s) return s;
    }
    if (Status s = txn.commit(); !s) return s;
    return true;
  });
}

Status SqliteProjectionStore::sweep() {
  for (;;) {
    auto more = sweep_some(kSweepRowsPerTransaction);
    if (!more.ok()) return more.status();
    if (!*more) return Status::ok();
  }
}

}  // namespace starlog::store
