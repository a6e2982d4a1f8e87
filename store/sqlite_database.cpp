// SqliteDatabase: the writer, the read pool, the schema set-up and the WAL
// checkpointer of one Starlog SQLite file. Which file it is (the log or the
// read models) and its tables are described in store/sqlite_schema.cpp.
#include "store/sqlite_database.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

namespace starlog::store {

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
  checkpoint_conn_ = std::move(*conn);
  checkpointer_.emplace([this]() -> domain::BackgroundWorker::Next {
    // PASSIVE copies what no reader still needs and never waits for a lock:
    // appends and reads go on meanwhile. A failure (e.g. a full disk) is
    // retried after the next commits; the WAL keeps every frame until then.
    int log_frames = 0, backfilled = 0;
    sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                              &log_frames, &backfilled);
    if (log_frames > 0) checkpointed_frames_.fetch_add(backfilled, std::memory_order_relaxed);
    checkpoint_runs_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  });
  // Replaces SQLite's automatic checkpoint on the writer (the same hook).
  sqlite3_wal_hook(writer_->handle(), &SqliteDatabase::on_wal_commit, this);
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
  // Counted as done now: commits meanwhile do not ask again.
  db->wal_pages_at_checkpoint_.store(pages, std::memory_order_relaxed);
  db->checkpointer_->wake();
  return SQLITE_OK;
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
  checkpointer_.reset();  // stopped before the connections it may use close
  checkpoint_conn_.reset();
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
