#include "store/sqlite_scratch_projection_store.h"

#include "store/guard.h"
#include "store/sqlite_database.h"
#include "store/sqlite_rows.h"

namespace starlog::store {
namespace {

constexpr const char* kWho = "scratch projection store";

// The format described in the header. No journal and no syncs: the file is
// private and thrown away with the store, and a rollback journal would grow
// with the rows a transaction touches (a rename touches a whole projection).
std::string setup_sql() {
  return "PRAGMA page_size=" + std::to_string(ScratchProjectionStore::kPageSize) +
         "; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-" +
         std::to_string(ScratchProjectionStore::kCacheKib) +
         ";\n"
         "CREATE TABLE rows(projection TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
         " PRIMARY KEY(projection, key)) WITHOUT ROWID;\n"
         "CREATE TABLE checkpoints(projection TEXT PRIMARY KEY, position INTEGER NOT NULL,"
         " code_version INTEGER NOT NULL);";
}

constexpr const char* kPutRow = "REPLACE INTO rows(projection, key, value) VALUES(?1, ?2, ?3)";
constexpr const char* kEraseRow = "DELETE FROM rows WHERE projection = ?1 AND key = ?2";
constexpr const char* kReadRow = "SELECT value FROM rows WHERE projection = ?1 AND key = ?2";
constexpr const char* kPutCheckpoint =
    "REPLACE INTO checkpoints(projection, position, code_version) VALUES(?1, ?2, ?3)";
constexpr const char* kReadCheckpoint =
    "SELECT position, code_version FROM checkpoints WHERE projection = ?1";
constexpr const char* kAny =
    "SELECT 1 FROM checkpoints WHERE projection = ?1"
    " UNION ALL SELECT 1 FROM rows WHERE projection = ?1 LIMIT 1";
// Each runs with ?1 = a projection and ?2 = another (or none).
constexpr const char* kDropRows = "DELETE FROM rows WHERE projection = ?1";
constexpr const char* kDropCheckpoint = "DELETE FROM checkpoints WHERE projection = ?1";
constexpr const char* kMoveRows = "UPDATE rows SET projection = ?2 WHERE projection = ?1";
constexpr const char* kMoveCheckpoint =
    "UPDATE checkpoints SET projection = ?2 WHERE projection = ?1";

// [reverse][bounded above]: a text each, so that SQLite walks the primary
// key between the bounds, in the scan's direction.
constexpr const char* kRange[2][2] = {
    {"SELECT key, value FROM rows WHERE projection = ?1 AND key >= ?2 ORDER BY key ASC",
     "SELECT key, value FROM rows WHERE projection = ?1 AND key >= ?2 AND key < ?3"
     " ORDER BY key ASC"},
    {"SELECT key, value FROM rows WHERE projection = ?1 AND key >= ?2 ORDER BY key DESC",
     "SELECT key, value FROM rows WHERE projection = ?1 AND key >= ?2 AND key < ?3"
     " ORDER BY key DESC"},
};

Status run(SqliteConnection& c, const char* sql, std::string_view first,
           std::string_view second = {}) {
  auto st = c.prepare(sql);
  if (!st) return st.status();
  st->bind_text(1, first);
  if (!second.empty()) st->bind_text(2, second);
  return st->run();
}

Result<Checkpoint> read_checkpoint(SqliteConnection& c, std::string_view projection) {
  auto st = c.prepare(kReadCheckpoint);
  if (!st) return st.status();
  st->bind_text(1, projection);
  return first_checkpoint(*st);
}

// A failure of SQLite here is the temporary file's, not the database's nor
// the log's: the message says so, and the code is io_error, since callers
// read storage_full as the database being full and corrupt as a damaged log.
Status about_the_file(const Status& s) {
  const bool from_sqlite =
      s.code() == Code::storage_full || s.code() == Code::corrupt || s.code() == Code::io_error;
  if (!from_sqlite || s.message().starts_with(kWho)) return s;
  return Status::io_error(std::string(kWho) + ": temporary file: " + s.message());
}

const Status& status_of(const Status& s) { return s; }
template <class T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}

// guarded(), then about_the_file().
template <class F>
auto guard(F&& f) -> decltype(f()) {
  auto r = guarded(kWho, std::forward<F>(f));
  if (r) return r;
  return about_the_file(status_of(r));
}

}  // namespace

ScratchProjectionStore::ScratchProjectionStore(std::unique_ptr<SqliteConnection> conn)
    : conn_(std::move(conn)) {}

ScratchProjectionStore::~ScratchProjectionStore() = default;

Result<std::unique_ptr<ScratchProjectionStore>> ScratchProjectionStore::open() {
  return guard([&]() -> Result<std::unique_ptr<ScratchProjectionStore>> {
    // The empty name asks for a private temporary database; the busy timeout
    // is moot, as no other connection can see it.
    auto conn = SqliteConnection::open("", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
    if (!conn) return conn.status();
    if (Status s = (*conn)->exec(setup_sql()); !s) return s;
    return std::unique_ptr<ScratchProjectionStore>(new ScratchProjectionStore(std::move(*conn)));
  });
}

Status ScratchProjectionStore::usable() const {
  if (broken_.empty()) return Status::ok();
  return Status::io_error(std::string(kWho) + ": " + broken_ +
                          "; with no journal its rows cannot be trusted");
}

Status ScratchProjectionStore::write(const std::function<Status(SqliteConnection&)>& body) {
  if (Status s = usable(); !s) return s;
  // Broken until COMMIT is through: with journal_mode=OFF the rollback of a
  // failed (or thrown-out-of) transaction cannot restore the rows.
  broken_ = "a write failed part-way";
  SqliteTransaction txn(*conn_);
  Status s = txn.begin();
  if (s) s = body(*conn_);
  if (s) s = txn.commit();
  if (s)
    broken_.clear();
  else
    broken_ += " (" + s.message() + ")";
  return s;
}

Result<Checkpoint> ScratchProjectionStore::checkpoint(std::string_view projection) {
  return guard([&]() -> Result<Checkpoint> {
    std::lock_guard lock(mu_);
    if (Status s = usable(); !s) return s;
    return read_checkpoint(*conn_, projection);
  });
}

Status ScratchProjectionStore::commit(std::string_view projection,
                                      const std::vector<KvWrite>& writes, Checkpoint checkpoint) {
  return guard([&]() -> Status {
    std::lock_guard lock(mu_);
    return write([&](SqliteConnection& c) -> Status {
      auto put = c.prepare(kPutRow);
      if (!put) return put.status();
      auto erase = c.prepare(kEraseRow);
      if (!erase) return erase.status();
      for (const KvWrite& w : writes) {
        SqliteStatement& st = w.value ? *put : *erase;
        st.reset();
        st.bind_text(1, projection).bind_blob(2, w.key);
        if (w.value) st.bind_blob(3, *w.value);
        if (Status s = st.run(); !s) return s;
      }
      auto cp = c.prepare(kPutCheckpoint);
      if (!cp) return cp.status();
      cp->bind_text(1, projection).bind(2, checkpoint.position).bind(3, checkpoint.code_version);
      return cp->run();
    });
  });
}

Result<std::optional<std::string>> ScratchProjectionStore::get(std::string_view projection,
                                                               std::string_view key) {
  return guard([&]() -> Result<std::optional<std::string>> {
    std::lock_guard lock(mu_);
    if (Status s = usable(); !s) return s;
    auto st = conn_->prepare(kReadRow);
    if (!st) return st.status();
    st->bind_text(1, projection).bind_blob(2, key);
    return first_blob(*st);
  });
}

Status ScratchProjectionStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) {
  return guard([&]() -> Status {
    std::lock_guard lock(mu_);
    if (Status s = usable(); !s) return s;
    // A nested scan of the same text gets a statement of its own.
    return scan_range(*conn_, kRange, projection, lower, upper, reverse, visit);
  });
}

Result<Checkpoint> ScratchProjectionStore::scan_all(
    std::string_view projection,
    const std::function<void(std::string_view key, std::string_view value)>& visit) {
  return guard([&]() -> Result<Checkpoint> {
    // Rows and checkpoint agree without a read transaction: every write goes
    // through this connection, and the mutex keeps them out meanwhile.
    std::lock_guard lock(mu_);
    if (Status s = usable(); !s) return s;
    auto cp = read_checkpoint(*conn_, projection);
    if (!cp) return cp.status();
    if (Status s = scan_every(*conn_, kRange, projection, visit); !s) return s;
    return *cp;
  });
}

Status ScratchProjectionStore::drop(std::string_view projection) {
  return guard([&]() -> Status {
    std::lock_guard lock(mu_);
    return write([&](SqliteConnection& c) -> Status {
      if (Status s = run(c, kDropRows, projection); !s) return s;
      return run(c, kDropCheckpoint, projection);
    });
  });
}

Status ScratchProjectionStore::rename(std::string_view from, std::string_view to) {
  return guard([&]() -> Status {
    if (from == to) return Status::ok();
    if (from.empty() || to.empty()) return Status::invalid("a projection name cannot be empty");
    std::lock_guard lock(mu_);
    if (Status s = usable(); !s) return s;
    // Looked up before the transaction: nothing else can write meanwhile.
    {
      auto st = conn_->prepare(kAny);
      if (!st) return st.status();
      st->bind_text(1, from);
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) return Status::not_found("projection " + std::string(from) + " does not exist");
    }
    return write([&](SqliteConnection& c) -> Status {
      if (Status s = run(c, kDropRows, to); !s) return s;
      if (Status s = run(c, kDropCheckpoint, to); !s) return s;
      if (Status s = run(c, kMoveRows, from, to); !s) return s;
      return run(c, kMoveCheckpoint, from, to);
    });
  });
}

Result<ScratchProjectionStore::Footprint> ScratchProjectionStore::footprint() {
  return guard([&]() -> Result<Footprint> {
    std::lock_guard lock(mu_);
    int cache = 0, highwater = 0;
    if (int rc =
            sqlite3_db_status(conn_->handle(), SQLITE_DBSTATUS_CACHE_USED, &cache, &highwater, 0);
        rc != SQLITE_OK)
      return conn_->error(rc, "reading the cache's size");
    auto st =
        conn_->prepare("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
    if (!st) return st.status();
    auto row = st->step();
    if (!row) return row.status();
    return Footprint{cache, *row ? st->int64(0) : 0};
  });
}

}  // namespace starlog::store
