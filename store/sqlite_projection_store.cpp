#include "store/sqlite_projection_store.h"

#include "store/guard.h"

namespace starlog::store {
namespace {

constexpr const char* kWho = "projection store";

constexpr const char* kSelectCheckpoint =
    "SELECT position, code_version FROM projection_checkpoints WHERE projection = ?1";
constexpr const char* kUpsertCheckpoint =
    "INSERT INTO projection_checkpoints(projection, position, code_version) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(projection) DO UPDATE SET position = excluded.position,"
    " code_version = excluded.code_version";
constexpr const char* kUpsertRow =
    "INSERT INTO projection_rows(projection, key, value) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(projection, key) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteRow = "DELETE FROM projection_rows WHERE projection = ?1 AND key = ?2";
constexpr const char* kGetRow =
    "SELECT value FROM projection_rows WHERE projection = ?1 AND key = ?2";
constexpr const char* kDeleteRows = "DELETE FROM projection_rows WHERE projection = ?1";
constexpr const char* kDeleteCheckpoint =
    "DELETE FROM projection_checkpoints WHERE projection = ?1";
constexpr const char* kRenameRows =
    "UPDATE projection_rows SET projection = ?2 WHERE projection = ?1";
constexpr const char* kRenameCheckpoint =
    "UPDATE projection_checkpoints SET projection = ?2 WHERE projection = ?1";
constexpr const char* kExists =
    "SELECT EXISTS(SELECT 1 FROM projection_checkpoints WHERE projection = ?1)"
    " OR EXISTS(SELECT 1 FROM projection_rows WHERE projection = ?1)";

// One text per direction and bound, so that SQLite walks the primary key
// between the bounds in either direction rather than filtering a wider range.
constexpr const char* kScan[2][2] = {
    // ascending: unbounded, bounded above
    {"SELECT key, value FROM projection_rows WHERE projection = ?1 AND key >= ?2 ORDER BY key",
     "SELECT key, value FROM projection_rows WHERE projection = ?1 AND key >= ?2 AND key < ?3"
     " ORDER BY key"},
    // descending
    {"SELECT key, value FROM projection_rows WHERE projection = ?1 AND key >= ?2"
     " ORDER BY key DESC",
     "SELECT key, value FROM projection_rows WHERE projection = ?1 AND key >= ?2 AND key < ?3"
     " ORDER BY key DESC"},
};

// Runs `sql` with ?1 = projection (and ?2 = other) on the writer.
Status run(SqliteConnection& w, const char* sql, std::string_view projection,
           std::string_view other = {}) {
  auto st = w.prepare(sql);
  if (!st) return st.status();
  st->bind_text(1, projection);
  if (!other.empty()) st->bind_text(2, other);
  return st->run();
}

}  // namespace

Result<std::unique_ptr<SqliteProjectionStore>> SqliteProjectionStore::open(
    std::shared_ptr<SqliteDatabase> db) {
  if (!db) return Status::io_error("projection store: no database");
  return std::make_unique<SqliteProjectionStore>(std::move(db));
}

Result<Checkpoint> SqliteProjectionStore::checkpoint(std::string_view projection) {
  return guarded(kWho, [&]() -> Result<Checkpoint> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kSelectCheckpoint);
    if (!st) return st.status();
    st->bind_text(1, projection);
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return Checkpoint{};
    return Checkpoint{st->int64(0), st->int64(1)};
  });
}

Status SqliteProjectionStore::commit(std::string_view projection, const std::vector<KvWrite>& writes,
                                     Checkpoint checkpoint) {
  return guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    // A projection is rebuilt from the log whenever it is lost (its
    // checkpoint commits with its rows), so its commits need not wait for an
    // fsync: synchronous=NORMAL for this transaction only (WAL keeps it
    // consistent; the next append's FULL commit syncs it too). Appends run
    // with FULL (SqliteEventStore sets it again before every group).
    if (Status s = w->exec("PRAGMA synchronous=NORMAL"); !s) return s;
    struct FullAgain {
      SqliteConnection& c;
      ~FullAgain() { (void)c.exec("PRAGMA synchronous=FULL"); }
    } full_again{w.connection()};
    SqliteTransaction txn(w.connection());
    if (Status s = txn.begin(); !s) return s;
    {
      auto upsert = w->prepare(kUpsertRow);
      if (!upsert) return upsert.status();
      auto erase = w->prepare(kDeleteRow);
      if (!erase) return erase.status();
      for (const KvWrite& kv : writes) {
        SqliteStatement& st = kv.value ? *upsert : *erase;
        st.reset();
        st.bind_text(1, projection).bind_blob(2, kv.key);
        if (kv.value) st.bind_blob(3, *kv.value);
        if (Status s = st.run(); !s) return s;
      }
      auto cp = w->prepare(kUpsertCheckpoint);
      if (!cp) return cp.status();
      cp->bind_text(1, projection).bind(2, checkpoint.position).bind(3, checkpoint.code_version);
      if (Status s = cp->run(); !s) return s;
    }
    return txn.commit();
  });
}

Result<std::optional<std::string>> SqliteProjectionStore::get(std::string_view projection,
                                                              std::string_view key) {
  return guarded(kWho, [&]() -> Result<std::optional<std::string>> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kGetRow);
    if (!st) return st.status();
    st->bind_text(1, projection).bind_blob(2, key);
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(std::string(st->blob(0)));
  });
}

Status SqliteProjectionStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  return guarded(kWho, [&]() -> Status {
    auto r = db_->reader();
    if (!r) return r.status();
    const bool bounded = !upper.empty();
    auto st = r->connection().prepare(kScan[reverse ? 1 : 0][bounded ? 1 : 0]);
    if (!st) return st.status();
    st->bind_text(1, projection).bind_blob(2, lower);
    if (bounded) st->bind_blob(3, upper);
    // Row by row from the statement: a projection may be far larger than
    // what one caller wants to see.
    for (;;) {
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) return Status::ok();
      if (!visit(st->blob(0), st->blob(1))) return Status::ok();
    }
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
    Checkpoint cp;
    {
      auto st = c.prepare(kSelectCheckpoint);
      if (!st) return st.status();
      st->bind_text(1, projection);
      auto row = st->step();
      if (!row) return row.status();
      if (*row) cp = Checkpoint{st->int64(0), st->int64(1)};
    }
    auto st = c.prepare(kScan[0][0]);
    if (!st) return st.status();
    st->bind_text(1, projection).bind_blob(2, std::string_view());
    for (;;) {
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) break;
      visit(st->blob(0), st->blob(1));
    }
    return cp;
  });
}

Status SqliteProjectionStore::drop(std::string_view projection) {
  return guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    SqliteTransaction txn(w.connection());
    if (Status s = txn.begin(); !s) return s;
    if (Status s = run(w.connection(), kDeleteRows, projection); !s) return s;
    if (Status s = run(w.connection(), kDeleteCheckpoint, projection); !s) return s;
    return txn.commit();
  });
}

Status SqliteProjectionStore::rename(std::string_view from, std::string_view to) {
  return guarded(kWho, [&]() -> Status {
    if (from == to) return Status::ok();
    if (from.empty() || to.empty()) return Status::invalid("a projection name cannot be empty");
    auto w = db_->writer();
    SqliteConnection& c = w.connection();
    SqliteTransaction txn(c);
    if (Status s = txn.begin(); !s) return s;
    {
      auto st = c.prepare(kExists);
      if (!st) return st.status();
      st->bind_text(1, from);
      auto row = st->step();
      if (!row) return row.status();
      if (!*row || st->int64(0) == 0)
        return Status::not_found("projection " + std::string(from) + " does not exist");
    }
    // Readers see the old `to` until COMMIT, then the new one: never a mix.
    if (Status s = run(c, kDeleteRows, to); !s) return s;
    if (Status s = run(c, kDeleteCheckpoint, to); !s) return s;
    if (Status s = run(c, kRenameRows, from, to); !s) return s;
    if (Status s = run(c, kRenameCheckpoint, from, to); !s) return s;
    return txn.commit();
  });
}

}  // namespace starlog::store
