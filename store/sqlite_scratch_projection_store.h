// ScratchProjectionStore: a throwaway ProjectionStore for replays that fold
// the whole log (`verify`, a rebuild's independent replay), with memory
// bounded by a page cache rather than by the number of rows.
//
// It is SQLite's private temporary on-disk database (sqlite3_open_v2 with an
// empty file name): a file in SQLite's temporary directory (SQLITE_TMPDIR,
// else TMPDIR, else /var/tmp, /usr/tmp, /tmp), created when the page cache
// first spills, seen by no other connection, and deleted when the store is
// destroyed. Memory stays near kCacheKib however many rows there are; the
// file grows to about the size of the rows. (A SQLite built with
// SQLITE_TEMP_STORE=3 would keep it in memory instead; Debian's uses 1.)
//
// Format, created by open() (nothing outlives the store, so there is no
// identity or version to check):
//   rows(projection TEXT, key BLOB, value BLOB, PRIMARY KEY(projection, key)) WITHOUT ROWID
//   checkpoints(projection TEXT PRIMARY KEY, position INTEGER, code_version INTEGER)
// Keys and values are bound as BLOBs, so keys compare with memcmp like the
// other stores.
//
// Semantics are SqliteProjectionStore's (rename included: not_found for a
// missing `from`, a no-op onto itself, invalid for an empty name), except:
// - No durability: journal_mode=OFF and synchronous=OFF. A write that fails
//   part-way (say the temporary directory is full) cannot be rolled back,
//   so after one the store answers every later call with io_error rather
//   than serve half a commit. Callers throw the store away.
// - Scans hold the store while their visitor runs. The visitor may call the
//   store again from its own thread; a write it makes to the rows being
//   scanned may or may not be seen by the rest of that scan.
//
// Thread-safe: one connection behind one mutex, so calls run one at a time.
// Failures are Status values; nothing throws out of the store (an exception
// from a visitor comes back as io_error). A failure of the temporary file
// (full, unreadable) is io_error naming this store, never storage_full or
// corrupt: it is neither the database that is full nor the log that is bad.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/projection_store.h"

namespace starlog::store {

class SqliteConnection;

class ScratchProjectionStore final : public ProjectionStore {
 public:
  // The page cache, in KiB (PRAGMA cache_size=-kCacheKib): the memory bound.
  // Small beside the server's own caches (the writer alone keeps 32 MiB),
  // since a verify or a rebuild runs inside a serving process; yet 2,048
  // pages, room for the interior pages of the B-tree over a million-event
  // replay's rows (about 1 GB), so a lookup reads at most its leaf from the
  // file (which the OS caches in turn).
  static constexpr int kCacheKib = 16 * 1024;
  // Bytes per page (PRAGMA page_size), set before the tables exist. A
  // WITHOUT ROWID row longer than about a quarter of a page spills into an
  // overflow page of its own; with 4 KiB pages that limit is ~1,000 bytes,
  // which one timeline row in ten passes (fact rows average ~770 bytes).
  // With 8 KiB pages the rows of a 20,000-event bench log took 27 MB of
  // file instead of 43 MB, and 200,000 rows of 1 KB 241 MB instead of
  // 937 MB, in half the time.
  static constexpr int kPageSize = 8 * 1024;

  // A new, empty store; io_error when SQLite cannot create or set up the
  // temporary database.
  static Result<std::unique_ptr<ScratchProjectionStore>> open();
  ~ScratchProjectionStore() override;
  ScratchProjectionStore(const ScratchProjectionStore&) = delete;
  ScratchProjectionStore& operator=(const ScratchProjectionStore&) = delete;

  Result<Checkpoint> checkpoint(std::string_view projection) override;
  Status commit(std::string_view projection, const std::vector<KvWrite>& writes,
                Checkpoint checkpoint) override;
  Result<std::optional<std::string>> get(std::string_view projection,
                                         std::string_view key) override;
  Status scan(
      std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) override;
  Result<Checkpoint> scan_all(
      std::string_view projection,
      const std::function<void(std::string_view key, std::string_view value)>& visit) override;
  Status drop(std::string_view projection) override;
  Status rename(std::string_view from, std::string_view to) override;

  // Where the rows are, for tests: the page cache's memory in use and the
  // database's size (what lies beyond the cache is in the file).
  struct Footprint {
    std::int64_t cache_bytes = 0;
    std::int64_t database_bytes = 0;
  };
  Result<Footprint> footprint();

 private:
  explicit ScratchProjectionStore(std::unique_ptr<SqliteConnection> conn);
  // Runs `body` in one write transaction; any failure (or exception) on the
  // way marks the store broken (see the top of this file). REQUIRES: mu_ held.
  Status write(const std::function<Status(SqliteConnection&)>& body);
  // io_error once a write has failed part-way. REQUIRES: mu_ held.
  Status usable() const;

  // Recursive: a scan's visitor may call the store again on its thread.
  std::recursive_mutex mu_;
  std::unique_ptr<SqliteConnection> conn_;
  std::string broken_;  // why the store refuses calls; empty while usable
};

}  // namespace starlog::store
