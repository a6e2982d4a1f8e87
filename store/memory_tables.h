// MemoryTables: the projection tables of an in-memory ProjectionStore — one
// ordered map of rows and one checkpoint per projection name, and the
// generation that grows with every change — shared by MemoryProjectionStore
// (a row is its latest value) and VersionedMemoryStore (a row is every
// value it had). What they have in common lives here once: the checkpoint
// of a projection, the key range of a scan, drop and rename.
//
// Not thread-safe by itself: each store guards it with its own mutex (a
// plain one, a shared one) and calls these under it. generation is atomic
// so that ProjectionStore::generation() can read it without the lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "store/projection_store.h"

namespace starlog::store {

template <class Row>
class MemoryTables {
 public:
  using Rows = std::map<std::string, Row, std::less<>>;
  struct Table {
    Rows rows;
    Checkpoint checkpoint;
  };

  // The table of `projection`, or nullptr when it has never committed.
  Table* find(std::string_view projection) {
    auto it = tables_.find(projection);
    return it == tables_.end() ? nullptr : &it->second;
  }
  // The table of `projection`, made empty when it has none yet.
  Table& open(std::string_view projection) { return tables_[std::string(projection)]; }

  Checkpoint checkpoint(std::string_view projection) {
    const Table* t = find(projection);
    return t ? t->checkpoint : Checkpoint{};
  }

  // The rows of `t` with lower <= key < upper (an empty upper: no bound) as
  // [first, last). An upper bound at or below `lower` is an empty range,
  // not a walk off the end of the map.
  static std::pair<typename Rows::iterator, typename Rows::iterator> range(Table& t,
                                                                           std::string_view lower,
                                                                           std::string_view upper) {
    if (!upper.empty() && upper <= lower) return {t.rows.end(), t.rows.end()};
    return {t.rows.lower_bound(lower), upper.empty() ? t.rows.end() : t.rows.lower_bound(upper)};
  }

  // Marks a change that reads may see from now on. Call it under the lock
  // that reads take too, before the change: a read that saw the old
  // generation may see the new rows, never the reverse.
  void changed() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void drop(std::string_view projection) {
    changed();
    if (auto it = tables_.find(projection); it != tables_.end()) tables_.erase(it);
  }

  // `to` becomes what `from` was (an empty table when `from` had none);
  // `from` is gone.
  void rename(std::string_view from, std::string_view to) {
    changed();
    auto it = tables_.find(from);
    Table moved = it == tables_.end() ? Table{} : std::move(it->second);
    if (it != tables_.end()) tables_.erase(it);
    tables_[std::string(to)] = std::move(moved);
  }

 private:
  std::map<std::string, Table, std::less<>> tables_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace starlog::store
