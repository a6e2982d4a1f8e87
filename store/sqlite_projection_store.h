// SqliteProjectionStore: the ProjectionStore on a SqliteDatabase, in the
// tables projection_rows and projection_checkpoints (format at the top of
// store/sqlite_database.cpp).
//
// Commits, drops and renames run on the database's single writer connection
// (shared with SqliteEventStore), each in one transaction. Reads use the
// read-only pool; a scan holds one read connection, and so one consistent
// snapshot, until its visitor stops or the rows end. A visitor may call the
// store again (reads take another connection, writes the writer), but its
// own scan keeps seeing the snapshot it started with.
//
// Thread-safe. Failures are Status values; nothing throws out of the store
// (an exception thrown by a scan visitor is caught and returned as io_error).
#pragma once

#include <memory>

#include "store/projection_store.h"
#include "store/sqlite_database.h"

namespace starlog::store {

class SqliteProjectionStore final : public ProjectionStore {
 public:
  // Nothing to load; open() is there for symmetry with SqliteEventStore::open.
  explicit SqliteProjectionStore(std::shared_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
  static Result<std::unique_ptr<SqliteProjectionStore>> open(std::shared_ptr<SqliteDatabase> db);

  Result<Checkpoint> checkpoint(std::string_view projection) override;
  Status commit(std::string_view projection, const std::vector<KvWrite>& writes,
                Checkpoint checkpoint) override;
  Result<std::optional<std::string>> get(std::string_view projection, std::string_view key) override;
  Status scan(std::string_view projection, std::string_view lower, std::string_view upper,
              bool reverse,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) override;
  Result<Checkpoint> scan_all(
      std::string_view projection,
      const std::function<void(std::string_view key, std::string_view value)>& visit) override;
  Status drop(std::string_view projection) override;
  // not_found, changing nothing, when `from` has neither rows nor a
  // checkpoint: replacing a live projection with nothing is never intended.
  // Renaming a projection to itself is a no-op.
  Status rename(std::string_view from, std::string_view to) override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
};

}  // namespace starlog::store
