// SqliteProjectionStore: the ProjectionStore on the read-model file (a
// SqliteDatabase opened with read_model_schema()), in the tables
// projection_rows and projection_checkpoints (format at the top of
// store/sqlite_schema.cpp). That file is not the log's: its commits do not
// wait for an fsync, and the log's fsyncs never carry them.
//
// Commits, drops and renames run on that file's single writer connection,
// each in one transaction. A projection's
// name points at the space its rows live in (projection_names, see
// store/sqlite_database.cpp): rename() and drop() only repoint names, so
// they take the same short time whatever the number of rows, and the rows
// they leave behind are deleted by a background sweeper in transactions of
// kSweepRowsPerTransaction rows with a pause between them, so that appends
// get the writer in between. Reads use the
// read-only pool; a scan holds one read connection, and so one consistent
// snapshot, until its visitor stops or the rows end. A visitor may call the
// store again (reads take another connection, writes the writer), but its
// own scan keeps seeing the snapshot it started with.
//
// Thread-safe. Failures are Status values; nothing throws out of the store
// (an exception thrown by a scan visitor is caught and returned as io_error).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "domain/background_worker.h"
#include "store/projection_store.h"
#include "store/sqlite_database.h"

namespace starlog::store {

class SqliteProjectionStore final : public ProjectionStore {
 public:
  static constexpr std::int64_t kSweepRowsPerTransaction = 2000;
  static constexpr std::chrono::milliseconds kSweepPause{2};

  // Starts the sweeper, which first deletes what an earlier process left.
  explicit SqliteProjectionStore(std::shared_ptr<SqliteDatabase> db);
  // Stops the sweeper between two of its transactions.
  ~SqliteProjectionStore() override;
  SqliteProjectionStore(const SqliteProjectionStore&) = delete;
  SqliteProjectionStore& operator=(const SqliteProjectionStore&) = delete;
  // io_error when `db` is not a read-model file.
  static Result<std::unique_ptr<SqliteProjectionStore>> open(std::shared_ptr<SqliteDatabase> db);

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
  // not_found, changing nothing, when `from` has neither rows nor a
  // checkpoint: replacing a live projection with nothing is never intended.
  // Renaming a projection to itself is a no-op.
  Status rename(std::string_view from, std::string_view to) override;
  std::optional<std::uint64_t> generation() const override {
    return generation_.load(std::memory_order_acquire);
  }

  // Deletes every row left behind by renames and drops, now, on the calling
  // thread (the sweeper does the same in the background).
  Status sweep();
  // sweep(), then a TRUNCATE checkpoint of the read-model file's WAL.
  Status purge_erased() override;

 private:
  // One transaction of the sweep; false when nothing was left to delete.
  Result<bool> sweep_some(std::int64_t max_rows);

  std::shared_ptr<SqliteDatabase> db_;
  // Grown after each commit, drop or rename has committed (the sweeper only
  // deletes rows no name points at: invisible to reads).
  std::atomic<std::uint64_t> generation_{0};
  domain::BackgroundWorker sweeper_;  // last: started once the members above exist
};

}  // namespace starlog::store
