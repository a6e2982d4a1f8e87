// SqliteDatabase: connections, statements, transactions and the WAL
// checkpointer for one Starlog SQLite file. Which file it is (the log or the
// read models) and its tables are described in store/sqlite_schema.cpp.
#include "store/sqlite_database.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

namespace starlog::store {
namespace {

// A non-null pointer for empty text and blobs: sqlite3_bind_blob(nullptr)
// would bind NULL instead of an empty value.
constexpr char kEmpty[] = "";

// The SQL text as context for an error message, shortened.
std::string sql_context(sqlite3_stmt* stmt) {
  const char* sql = stmt ? sqlite3_sql(stmt) : nullptr;
  if (!sql) return {};
  std::string s(sql);
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Status status_for(int rc, std::string msg) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::ok();
    case SQLITE_FULL:
      return Status::storage_full(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corrupt(std::move(msg));
    default:
      return Status::io_error(std::move(msg));
  }
}

}  // namespace

Status sqlite_status(int rc, sqlite3* db, std::string_view what) {
  // errmsg describes the connection's latest error, which is this one only
  // when the codes agree.
  const char* detail =
      db && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return status_for(rc, std::string(what) + ": " + detail);
}

// ---------------------------------------------------------------------------
// SqliteStatement

SqliteStatement::SqliteStatement(SqliteConnection* conn, sqlite3_stmt* stmt, bool* in_use,
                                 bool owned)
    : conn_(conn), stmt_(stmt), in_use_(in_use), owned_(owned) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : conn_(other.conn_),
      stmt_(other.stmt_),
      in_use_(other.in_use_),
      owned_(other.owned_),
      bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (!stmt_) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_) *in_use_ = false;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, std::string_view value) {
  int rc = sqlite3_bind_blob64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                               SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Result<bool> SqliteStatement::step() {
  if (bind_rc_ != SQLITE_OK) return conn_->error(bind_rc_, "binding " + sql_context(stmt_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->error(rc, sql_context(stmt_));
}

Status SqliteStatement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.status();
    if (!*r) return Status::ok();
  }
}

std::int64_t SqliteStatement::int64(int column) { return sqlite3_column_int64(stmt_, column); }

std::string_view SqliteStatement::text(int column) {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

std::string_view SqliteStatement::blob(int column) {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

bool SqliteStatement::is_null(int column) {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------
// SqliteConnection

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path, int flags,
                                                                 int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite_status(rc, db, "cannot open database '" + path + "'");
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::ok();
  std::string what = sql.size() > 60 ? sql.substr(0, 57) + "..." : sql;
  Status s = status_for(rc, what + ": " + (err ? err : sqlite3_errstr(rc)));
  sqlite3_free(err);
  return s;
}

Result<SqliteStatement> SqliteConnection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use) {
    it->second->in_use = true;
    return SqliteStatement(this, it->second->stmt, &it->second->in_use, false);
  }
  sqlite3_stmt* stmt = nullptr;
  const bool cache = it == cache_.end();
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    std::string what = "preparing " + std::string(sql.substr(0, 60));
    return error(rc, what);
  }
  if (!cache) return SqliteStatement(this, stmt, nullptr, true);
  auto slot = std::make_unique<Cached>();
  slot->stmt = stmt;
  slot->in_use = true;
  bool* flag = &slot->in_use;
  cache_.emplace(std::string(sql), std::move(slot));
  return SqliteStatement(this, stmt, flag, false);
}

// ---------------------------------------------------------------------------
// SqliteTransaction

SqliteTransaction::~SqliteTransaction() {
  if (open_ && conn_.in_transaction()) conn_.exec("ROLLBACK");
}

Status SqliteTransaction::begin() {
  Status s = conn_.exec("BEGIN IMMEDIATE");
  open_ = s.is_ok();
  return s;
}

Status SqliteTransaction::commit() {
  Status s = conn_.exec("COMMIT");
  if (s) open_ = false;
  return s;
}

// ---------------------------------------------------------------------------
// SqliteDatabase

namespace {

// One integer from a query such as "PRAGMA user_version".
Result<std::int64_t> query_int(SqliteConnection& conn, std::string_view sql) {
  auto stmt = conn.prepare(sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::io_error(std::string(sql) + ": no result");
  return stmt->int64(0);
}

struct Identity {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::int64_t objects = 0;  // schema objects of any kind
};

Result<Identity> read_identity(SqliteConnection& conn) {
  auto app = query_int(conn, "PRAGMA application_id");
  if (!app) return app.status();
  auto ver = query_int(conn, "PRAGMA user_version");
  if (!ver) return ver.status();
  auto objects = query_int(conn, "SELECT count(*) FROM sqlite_schema");
  if (!objects) return objects.status();
  return Identity{*app, *ver, *objects};
}

// A file another program owns (or a Starlog file of the other kind), or
// one a newer Starlog wrote.
Status check_identity(const Identity& id, const SqliteSchema& schema, const std::string& path) {
  if (id.objects == 0 && id.application_id == 0 && id.user_version == 0) return Status::ok();
  if (id.application_id != schema.application_id)
    return Status::corrupt("'" + path + "' is an SQLite database but not a Starlog " + schema.what +
                           " database");
  if (id.user_version > schema.version)
    return Status::io_error(
        "'" + path + "' has " + schema.what + " schema version " + std::to_string(id.user_version) +
        ", newer than this Starlog supports (" + std::to_string(schema.version) + ")");
  if (id.user_version < schema.oldest_upgradable)
    return Status::corrupt("'" + path + "' has no valid Starlog schema version");
  return Status::ok();
}

}  // namespace

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path) {
  return open(path, Options{});
}

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open_read_models(const std::string& path) {
  Options options;
  options.schema = &read_model_schema();
  return open(path, options);
}

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path,
                                                             Options options) {
  if (path.empty() || path == ":memory:")
    return Status::io_error("a database path must name a file");
  // Connections are opened NOMUTEX and handed between threads; that needs a
  // library built thread-safe (Debian's is).
  if (sqlite3_threadsafe() == 0) return Status::io_error("the SQLite library is not thread-safe");
  std::error_code ec;
  namespace fs = std::filesystem;
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::exists(dir, ec))
    return Status::io_error("cannot create database '" + path + "': directory '" + dir.string() +
                            "' does not exist");
  if (!fs::is_directory(dir, ec))
    return Status::io_error("cannot create database '" + path + "': '" + dir.string() +
                            "' is not a directory");
  if (fs::is_directory(p, ec))
    return Status::io_error("cannot open database '" + path + "': it is a directory");
  std::shared_ptr<SqliteDatabase> db(new SqliteDatabase(path, options));
  if (Status s = db->init(); !s) return s;
  return db;
}

Status SqliteDatabase::init() {
  auto writer = SqliteConnection::open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                       options_.busy_timeout_ms);
  if (!writer) return writer.status();
  writer_ = std::move(*writer);
  SqliteConnection& w = *writer_;

  // sqlite3_open_v2 quietly falls back to read-only when the file is not
  // writable; appends would then fail one by one. Refuse at once instead.
  if (sqlite3_db_readonly(w.handle(), "main") == 1)
    return Status::io_error("database '" + path_ + "' is read-only (check the file's permissions)");

  // Look before changing anything: a file that is not ours is left as it is.
  auto identity = read_identity(w);
  if (!identity) {
    if (identity.status().code() == Code::corrupt)
      return Status::corrupt("'" + path_ + "' is not a Starlog database (" +
                             identity.status().message() + ")");
    return identity.status();
  }
  const SqliteSchema& schema = *options_.schema;
  if (Status s = check_identity(*identity, schema, path_); !s) return s;

  // The page size of a new file is set before anything is written (it
  // cannot change once the file is in WAL mode).
  if (identity->objects == 0 && schema.page_size > 0) {
    if (Status s = w.exec("PRAGMA page_size=" + std::to_string(schema.page_size)); !s) return s;
  }
  {
    auto mode = w.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.status();
    auto row = mode->step();
    if (!row) return row.status();
    if (!*row || mode->text(0) != "wal")
      return Status::io_error("database '" + path_ + "': cannot switch to WAL mode");
  }
  if (Status s = w.exec(std::string("PRAGMA synchronous=") + schema.synchronous +
                        "; PRAGMA foreign_keys=ON; PRAGMA cache_size=-" +
                        std::to_string(options_.writer_cache_kib) +
                        "; PRAGMA journal_size_limit=67108864; PRAGMA secure_delete=ON;"
                        " PRAGMA temp_store=MEMORY;");
      !s)
    return s;

  // Create the schema under the write lock, and look again inside it: another
  // process may have created it since we looked.
  {
    SqliteTransaction txn(w);
    if (Status s = txn.begin(); !s) return s;
    auto again = read_identity(w);
    if (!again) return again.status();
    if (Status s = check_identity(*again, schema, path_); !s) return s;
    if (again->objects == 0) {
      if (Status s = w.exec(schema.create); !s) return s;
      if (Status s = w.exec("PRAGMA application_id=" + std::to_string(schema.application_id) +
                            "; PRAGMA user_version=" + std::to_string(schema.version) + ";");
          !s)
        return s;
    } else if (again->user_version < schema.version) {
      if (!schema.upgrade) return Status::io_error("no upgrade for " + path_);
      if (Status s = schema.upgrade(w, again->user_version); !s) return s;
      if (Status s = w.exec("PRAGMA user_version=" + std::to_string(schema.version)); !s) return s;
      upgraded_from_ = again->user_version;
    }
    if (Status s = schema.ensure(w); !s) return s;
    if (Status s = txn.commit(); !s) return s;
  }

  // Fail now, not on the first read, if read connections cannot be opened.
  auto r = reader();
  if (!r) return r.status();
  auto probe = query_int(r->connection(), "SELECT count(*) FROM sqlite_schema");
  if (!probe) return probe.status();
  return start_checkpointer();
}

Status SqliteDatabase::start_checkpointer() {
  auto conn = SqliteConnection::open(path_, SQLITE_OPEN_READWRITE, options_.busy_timeout_ms);
  if (!conn) return conn.status();
  // A connection learns that the file is in WAL mode when it first reads
  // it; until then a checkpoint on it does nothing.
  if (Status s = (*conn)->exec("SELECT count(*) FROM sqlite_schema"); !s) return s;
  // Replaces SQLite's automatic checkpoint on the writer (the same hook).
  sqlite3_wal_hook(writer_->handle(), &SqliteDatabase::on_wal_commit, this);
  checkpointer_ =
      std::thread([this, c = std::move(*conn)]() mutable { checkpointer_loop(std::move(c)); });
  return Status::ok();
}

int SqliteDatabase::on_wal_commit(void* self, sqlite3* conn, const char* schema, int pages) {
  auto* db = static_cast<SqliteDatabase*>(self);
  db->wal_pages_.store(pages, std::memory_order_relaxed);
  // A checkpoint is due once checkpoint_pages frames were added since the
  // last one (or the WAL restarted from its beginning since): under
  // sustained writes the WAL stays long (a PASSIVE checkpoint cannot restart
  // it while readers use it), and checkpointing after every commit would
  // write and fsync the database file once per commit, slowing the commits'
  // own fsyncs on the same disk.
  const std::int64_t last = db->wal_pages_at_checkpoint_.load(std::memory_order_relaxed);
  const int threshold = db->options_.checkpoint_pages;
  if (pages < threshold || (pages >= last && pages - last < threshold)) return SQLITE_OK;
  // Under sustained writes a background checkpoint never catches up with
  // the last frame, and the WAL restarts from its beginning only when one
  // has. Past kWalHardLimit the writer checkpoints itself, between its
  // transactions, as SQLite's automatic checkpoint does, so the WAL stays
  // bounded; below it, checkpoints stay off the writer's path.
  if (pages >= threshold * kWalHardLimitFactor) {
    int log_frames = 0, backfilled = 0;
    sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &backfilled);
    db->wal_pages_at_checkpoint_.store(pages, std::memory_order_relaxed);
    db->writer_checkpoints_.fetch_add(1, std::memory_order_relaxed);
    if (log_frames > 0) db->checkpointed_frames_.fetch_add(backfilled, std::memory_order_relaxed);
    return SQLITE_OK;
  }
  std::lock_guard lock(db->checkpoint_mutex_);
  if (!db->checkpoint_wanted_) {
    db->checkpoint_wanted_ = true;
    // Counted as done now: commits meanwhile do not ask again.
    db->wal_pages_at_checkpoint_.store(pages, std::memory_order_relaxed);
    db->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteDatabase::checkpointer_loop(std::unique_ptr<SqliteConnection> conn) {
  std::unique_lock lock(checkpoint_mutex_);
  for (;;) {
    checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    // PASSIVE copies what no reader still needs and never waits for a lock:
    // appends and reads go on meanwhile. A failure (e.g. a full disk) is
    // retried after the next commits; the WAL keeps every frame until then.
    int log_frames = 0, backfilled = 0;
    sqlite3_wal_checkpoint_v2(conn->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                              &backfilled);
    if (log_frames > 0) checkpointed_frames_.fetch_add(backfilled, std::memory_order_relaxed);
    checkpoint_runs_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
  }
}

Status SqliteDatabase::truncate_wal(SqliteConnection& w) {
  // Each attempt waits (the busy timeout) for readers of older frames to
  // finish; readers hold a snapshot only for one short read.
  constexpr int kAttempts = 8;
  for (int attempt = 0;; ++attempt) {
    int log_frames = 0, backfilled = 0;
    const int rc = sqlite3_wal_checkpoint_v2(w.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                             &log_frames, &backfilled);
    if (rc == SQLITE_OK) {
      wal_pages_.store(0, std::memory_order_relaxed);
      wal_pages_at_checkpoint_.store(0, std::memory_order_relaxed);
      return Status::ok();
    }
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt + 1 == kAttempts)
      return Status::io_error("cannot empty the WAL of '" + path_ +
                              "': " + sqlite3_errmsg(w.handle()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status SqliteDatabase::truncate_wal() {
  auto w = writer();
  return truncate_wal(w.connection());
}

SqliteDatabase::CheckpointStats SqliteDatabase::checkpoint_stats() const {
  return {checkpoint_runs_.load(std::memory_order_relaxed),
          wal_pages_.load(std::memory_order_relaxed),
          checkpointed_frames_.load(std::memory_order_relaxed),
          writer_checkpoints_.load(std::memory_order_relaxed)};
}

SqliteDatabase::~SqliteDatabase() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_one();
    checkpointer_.join();
  }
  // Readers first, so that the writer, closing last, checkpoints the WAL.
  idle_readers_.clear();
  writer_.reset();
}

Result<SqliteDatabase::Reader> SqliteDatabase::reader() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Reader(this, std::move(conn));
    }
  }
  auto conn = SqliteConnection::open(path_, SQLITE_OPEN_READONLY, options_.busy_timeout_ms);
  if (!conn) return conn.status();
  // temp_store=MEMORY: sorts and temporary indexes never spill rows (and
  // so content a takedown may erase) into temporary files.
  if (Status s = (*conn)->exec("PRAGMA cache_size=-" + std::to_string(options_.reader_cache_kib) +
                               "; PRAGMA temp_store=MEMORY;");
      !s)
    return s;
  return Reader(this, std::move(*conn));
}

void SqliteDatabase::release(std::unique_ptr<SqliteConnection> conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (idle_readers_.size() < options_.read_connections) {
      idle_readers_.push_back(std::move(conn));
      return;
    }
  }
  // Beyond the pool size: closed here, outside the lock.
}

SqliteDatabase::Reader::~Reader() {
  if (conn_) db_->release(std::move(conn_));
}

}  // namespace starlog::store
