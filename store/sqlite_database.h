// SqliteDatabase: one Starlog SQLite file, the log (behind SqliteEventStore
// and SqliteTokenStore) or the read models (behind SqliteProjectionStore);
// the two formats are described at the top of store/sqlite_schema.cpp.
//
// It owns one writer connection, guarded by a mutex (SQLite admits one writer
// per file anyway, so the stores on one file share it), and a small pool of
// read-only connections that read in WAL mode while the writer writes.
//
// This is the only header that names SQLite types; only store/, app/ and
// tests include it. Other layers see EventStore and ProjectionStore.
//
// Failures are Status values: SQLITE_FULL -> storage_full, SQLITE_CORRUPT and
// SQLITE_NOTADB -> corrupt, anything else -> io_error. Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/status.h"
#include "store/sqlite_schema.h"

namespace starlog::store {

// The Status for SQLite result code `rc` from doing `what`; `db` (may be
// null) supplies the detailed message.
Status sqlite_status(int rc, sqlite3* db, std::string_view what);

class SqliteConnection;

// A prepared statement borrowed from a connection's cache. On destruction it
// is reset (ending its implicit read transaction: a statement left mid-step
// would pin an old snapshot) and its bindings are cleared. Text and blobs are
// copied when bound, so arguments may be temporaries.
// Not thread-safe; lives no longer than the lease on its connection.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based. A failed bind is reported by the next step().
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind_text(int index, std::string_view value);
  // A zero-length blob is a blob, not NULL (bytewise keys may be empty).
  SqliteStatement& bind_blob(int index, std::string_view value);
  SqliteStatement& bind_null(int index);
  // Ready to bind and step again.
  void reset();

  // true: a row is available; false: done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows of interest.
  Status run();

  // Columns are 0-based; the views are valid until the next step or reset.
  std::int64_t int64(int column);
  std::string_view text(int column);
  std::string_view blob(int column);
  bool is_null(int column);

 private:
  friend class SqliteConnection;
  SqliteStatement(SqliteConnection* conn, sqlite3_stmt* stmt, bool* in_use, bool owned);
  SqliteConnection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; null for an uncached statement
  bool owned_;    // finalize on destruction (uncached)
  int bind_rc_ = SQLITE_OK;
};

// One sqlite3* and its prepared-statement cache. Used by one thread at a time
// (connections are opened with SQLITE_OPEN_NOMUTEX; the writer mutex and the
// read pool hand them over).
class SqliteConnection {
 public:
  // `flags` as for sqlite3_open_v2.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, int flags,
                                                        int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements without results (pragmas, DDL, BEGIN/COMMIT).
  Status exec(const std::string& sql);
  // The cached statement for `sql`, prepared on first use. If that statement
  // is already borrowed (a nested use) a fresh, uncached one is returned.
  Result<SqliteStatement> prepare(std::string_view sql);
  // The Status of a failed call on this connection.
  Status error(int rc, std::string_view what) const { return sqlite_status(rc, db_, what); }
  // True while a transaction is open.
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  // unique_ptr: a borrowed statement keeps a pointer to its slot's flag,
  // which must not move when the map rehashes.
  std::unordered_map<std::string, std::unique_ptr<Cached>, Hash, std::equal_to<>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT on one connection; rolls back on destruction
// unless committed (also when SQLite has already rolled back by itself, as
// it may after SQLITE_FULL).
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& conn) : conn_(conn) {}
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  // BEGIN IMMEDIATE: takes the file's write lock now, so nothing read inside
  // the transaction can be changed by another process before COMMIT.
  Status begin();
  Status commit();

 private:
  SqliteConnection& conn_;
  bool open_ = false;
};

class SqliteDatabase {
 public:
  struct Options {
    std::size_t read_connections = 4;  // idle read connections kept open
    int busy_timeout_ms = 5000;        // another process holding the lock
    int writer_cache_kib = 32 * 1024;  // page cache of the writer connection
    // Page cache of each read connection. Small: reads hit the OS page cache
    // as well, and a server holds two files with a pool of readers each.
    int reader_cache_kib = 4 * 1024;
    // WAL pages that wake the checkpointer, counted since it last ran (or
    // since the WAL restarted) so that a long WAL is not checkpointed after
    // every commit (SQLite's own automatic checkpoint uses 1000, on the
    // committing connection).
    int checkpoint_pages = 1000;
    // Which kind of file: its identity, tables, upgrades and durability.
    const SqliteSchema* schema = &log_schema();
  };

  // How many background checkpoints ran, and the WAL pages after the last
  // commit; for tests and metrics.
  struct CheckpointStats {
    std::int64_t runs = 0;
    std::int64_t wal_pages = 0;
    std::int64_t frames_backfilled = 0;  // WAL frames copied into the database
    std::int64_t writer_runs = 0;        // checkpoints the writer had to run itself
  };
  CheckpointStats checkpoint_stats() const;

  // Opens or creates the file at `path` (its directory must exist), sets WAL,
  // the schema's synchronous mode, foreign_keys=ON and the busy timeout,
  // creates the schema in a new file and upgrades an older one (in one
  // transaction: all of the upgrade or none). Fails with a Status, never a crash: io_error when
  // the directory is missing, the file is read-only or cannot be opened, or
  // was written by a newer schema; corrupt when it is not a Starlog database.
  static Result<std::shared_ptr<SqliteDatabase>> open(const std::string& path);
  static Result<std::shared_ptr<SqliteDatabase>> open(const std::string& path, Options options);
  // open() with read_model_schema().
  static Result<std::shared_ptr<SqliteDatabase>> open_read_models(const std::string& path);

  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::string& path() const { return path_; }
  const SqliteSchema& schema() const { return *options_.schema; }
  // The user_version this open upgraded the file from; 0 when it did not.
  std::int64_t upgraded_from() const { return upgraded_from_; }

  // Exclusive use of the writer connection while alive. Blocks until the
  // writer is free; not reentrant (a thread holding one must not ask again).
  class Writer {
   public:
    SqliteConnection& connection() { return *conn_; }
    SqliteConnection* operator->() { return conn_; }

   private:
    friend class SqliteDatabase;
    Writer(std::mutex& m, SqliteConnection* conn) : lock_(m), conn_(conn) {}
    std::unique_lock<std::mutex> lock_;
    SqliteConnection* conn_;
  };
  Writer writer() { return Writer(writer_mutex_, writer_.get()); }

  // Copies every WAL frame into the file and truncates the WAL to zero
  // bytes (a TRUNCATE checkpoint), waiting for readers of older frames.
  // After a takedown's commit this is what removes the erased content's
  // last copies: older WAL frames still held it (the file's own pages are
  // zeroed by secure_delete, set on the writer). The first form takes the
  // writer; the second runs on a writer the caller holds.
  Status truncate_wal();
  Status truncate_wal(SqliteConnection& writer);

  // A read-only connection while alive, then back to the pool. Never waits:
  // when every pooled connection is out (e.g. a scan visitor that reads
  // again), a new one is opened, so nested reads cannot deadlock.
  class Reader {
   public:
    Reader(Reader&& other) noexcept : db_(other.db_), conn_(std::move(other.conn_)) {}
    Reader& operator=(Reader&&) = delete;
    ~Reader();
    SqliteConnection& connection() { return *conn_; }
    SqliteConnection* operator->() { return conn_.get(); }

   private:
    friend class SqliteDatabase;
    Reader(SqliteDatabase* db, std::unique_ptr<SqliteConnection> conn)
        : db_(db), conn_(std::move(conn)) {}
    SqliteDatabase* db_;
    std::unique_ptr<SqliteConnection> conn_;
  };
  Result<Reader> reader();

 private:
  SqliteDatabase(std::string path, Options options) : path_(std::move(path)), options_(options) {}
  Status init();
  void release(std::unique_ptr<SqliteConnection> conn);
  // WAL checkpoints off the writer's path: the writer's WAL hook only wakes
  // this thread, which checkpoints (PASSIVE: never blocks appends or reads)
  // on a connection of its own; only a WAL past kWalHardLimitFactor times
  // the threshold makes the writer checkpoint itself (see on_wal_commit).
  Status start_checkpointer();
  void checkpointer_loop(std::unique_ptr<SqliteConnection> conn);
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);

  const std::string path_;
  const Options options_;
  std::int64_t upgraded_from_ = 0;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex writer_mutex_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;

  mutable std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
  std::atomic<std::int64_t> checkpoint_runs_{0};
  std::atomic<std::int64_t> wal_pages_{0};
  std::atomic<std::int64_t> checkpointed_frames_{0};
  std::atomic<std::int64_t> writer_checkpoints_{0};
  // WAL pages when the last checkpoint was asked for (on_wal_commit).
  std::atomic<std::int64_t> wal_pages_at_checkpoint_{0};
  // WAL pages (as a multiple of Options::checkpoint_pages) past which the
  // writer checkpoints itself.
  static constexpr int kWalHardLimitFactor = 8;
  std::thread checkpointer_;
};

}  // namespace starlog::store
