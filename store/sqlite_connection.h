// SQLite's C API as the store uses it: one connection with its
// prepared-statement cache (SqliteConnection), a borrowed statement
// (SqliteStatement), BEGIN IMMEDIATE ... COMMIT (SqliteTransaction), and the
// Status of a result code. SqliteDatabase (store/sqlite_database.h) owns the
// connections of one file.
//
// Failures are Status values: SQLITE_FULL -> storage_full, SQLITE_CORRUPT and
// SQLITE_NOTADB -> corrupt, anything else -> io_error. Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/status.h"

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

}  // namespace starlog::store
