// SqliteDatabase: one Starlog SQLite file, the log (behind SqliteEventStore
// and SqliteTokenStore) or the read models (behind SqliteProjectionStore);
// the two formats are described at the top of store/sqlite_schema.cpp.
//
// It owns one writer connection, guarded by a mutex (SQLite admits one writer
// per file anyway, so the stores on one file share it), and a small pool of
// read-only connections that read in WAL mode while the writer writes.
//
// This and store/sqlite_connection.h are the only headers that name SQLite
// types; only store/, app/ and tests include them. Other layers see
// EventStore and ProjectionStore.
//
// Failures are Status values (store/sqlite_connection.h). Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/background_worker.h"
#include "domain/status.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_schema.h"

namespace starlog::store {

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
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);

  const std::string path_;
  const Options options_;
  std::int64_t upgraded_from_ = 0;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex writer_mutex_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;

  std::atomic<std::int64_t> checkpoint_runs_{0};
  std::atomic<std::int64_t> wal_pages_{0};
  std::atomic<std::int64_t> checkpointed_frames_{0};
  std::atomic<std::int64_t> writer_checkpoints_{0};
  // WAL pages when the last checkpoint was asked for (on_wal_commit).
  std::atomic<std::int64_t> wal_pages_at_checkpoint_{0};
  // WAL pages (as a multiple of Options::checkpoint_pages) past which the
  // writer checkpoints itself.
  static constexpr int kWalHardLimitFactor = 8;
  // The checkpointer's connection, used on its thread only.
  std::unique_ptr<SqliteConnection> checkpoint_conn_;
  std::optional<domain::BackgroundWorker> checkpointer_;
};

}  // namespace starlog::store
