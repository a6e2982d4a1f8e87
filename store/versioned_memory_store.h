// VersionedMemoryStore: a ProjectionStore held in memory that keeps every
// value each key ever had, tagged with the checkpoint position of the commit
// that wrote it. Reads through the store itself see the latest commit, so a
// projection folds into it as into any other store; at(position) is a
// read-only view of the rows exactly as they stood after the last commit at
// or before that position.
//
// It is the history of time travel (projections/time_travel.h): one
// celebrity's events are folded into it once, committing after each event,
// and then a timeline as of any position is read from a view instead of
// folding the log again.
//
// Thread-safe: commits exclude readers (a shared mutex); a scan collects
// its range under the lock and visits it after, so `visit` may call back
// into the store or a view. drop() and rename() free rows, so they must not
// run while a scan of a view is visiting (time travel never calls them).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <shared_mutex>

#include "store/memory_tables.h"
#include "store/projection_store.h"

namespace starlog::store {

class VersionedMemoryStore final : public ProjectionStore {
 public:
  class View;

  // ProjectionStore, as of the latest commit. commit() REQUIRES a
  // checkpoint position no lower than the projection's last one (a fold
  // moves forward).
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

  // The rows as they stood at `position`: what the last commit with a
  // checkpoint at or before it left. The view borrows this store, which must
  // outlive it.
  View at(std::int64_t position);

  // Approximate bytes held (keys, every version's value, bookkeeping).
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  struct Version {
    std::int64_t position;
    std::optional<std::string> value;  // nullopt: erased at `position`
  };
  // A deque keeps every version where it is while later ones are added, so
  // a scan's string_views stay valid after the lock is released.
  using Versions = std::deque<Version>;
  // The value `versions` held at `position` (nullptr: none or erased).
  static const std::string* value_at(const Versions& versions, std::int64_t position);
  Status scan_at(std::string_view projection, std::int64_t position, std::string_view lower,
                 std::string_view upper, bool reverse,
                 const std::function<bool(std::string_view, std::string_view)>& visit);
  Result<std::optional<std::string>> get_at(std::string_view projection, std::string_view key,
                                            std::int64_t position);

  mutable std::shared_mutex mu_;
  MemoryTables<Versions> tables_;  // guarded by mu_
  std::atomic<std::size_t> bytes_{0};

 public:
  // A read-only ProjectionStore over the rows at one position. Writes are
  // refused (invalid); generation() is nullopt (the caller knows the view
  // never changes).
  class View final : public ProjectionStore {
   public:
    View(VersionedMemoryStore& store, std::int64_t position) : store_(store), at_(position) {}
    Result<Checkpoint> checkpoint(std::string_view projection) override;
    Status commit(std::string_view, const std::vector<KvWrite>&, Checkpoint) override;
    Result<std::optional<std::string>> get(std::string_view projection,
                                           std::string_view key) override {
      return store_.get_at(projection, key, at_);
    }
    Status scan(std::string_view projection, std::string_view lower, std::string_view upper,
                bool reverse,
                const std::function<bool(std::string_view, std::string_view)>& visit) override {
      return store_.scan_at(projection, at_, lower, upper, reverse, visit);
    }
    Result<Checkpoint> scan_all(
        std::string_view projection,
        const std::function<void(std::string_view key, std::string_view value)>& visit) override;
    Status drop(std::string_view) override;
    Status rename(std::string_view, std::string_view) override;

    // The value of `key` at this position where the store keeps it, or
    // nullptr: the same address for as long as the store lives and the
    // value stands, so it can key what was computed from the value.
    const std::string* find(std::string_view projection, std::string_view key);

   private:
    VersionedMemoryStore& store_;
    std::int64_t at_;
  };
};

}  // namespace starlog::store
