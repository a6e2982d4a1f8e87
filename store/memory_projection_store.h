// MemoryProjectionStore: a ProjectionStore held in memory. The in-memory
// fake for tests, and the scratch space of as-of replays (time_travel), which
// fold one celebrity's events into it exactly as the live projection folds
// into SQLite. Whole-log replays use ScratchProjectionStore instead.
// Thread-safe (one mutex).
#pragma once

#include <mutex>

#include "store/memory_tables.h"
#include "store/projection_store.h"

namespace starlog::store {

class MemoryProjectionStore final : public ProjectionStore {
 public:
  Result<Checkpoint> checkpoint(std::string_view projection) override;
  Status commit(std::string_view projection, const std::vector<KvWrite>& writes,
                Checkpoint checkpoint) override;
  Result<std::optional<std::string>> get(std::string_view projection,
                                         std::string_view key) override;
  Status scan(std::string_view projection, std::string_view lower, std::string_view upper,
              bool reverse,
              const std::function<bool(std::string_view, std::string_view)>& visit) override;
  Result<Checkpoint> scan_all(
      std::string_view projection,
      const std::function<void(std::string_view key, std::string_view value)>& visit) override;
  Status drop(std::string_view projection) override;
  Status rename(std::string_view from, std::string_view to) override;
  std::optional<std::uint64_t> generation() const override { return tables_.generation(); }

 private:
  std::mutex mu_;
  MemoryTables<std::string> tables_;  // guarded by mu_
};

}  // namespace starlog::store
