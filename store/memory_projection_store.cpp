#include "store/memory_projection_store.h"

#include <vector>

namespace starlog::store {

Result<Checkpoint> MemoryProjectionStore::checkpoint(std::string_view projection) {
  std::lock_guard lock(mu_);
  auto it = tables_.find(projection);
  return it == tables_.end() ? Checkpoint{} : it->second.checkpoint;
}

Status MemoryProjectionStore::commit(std::string_view projection,
                                     const std::vector<KvWrite>& writes, Checkpoint checkpoint) {
  std::lock_guard lock(mu_);
  // Under the lock that reads take too: a read that saw the old generation
  // may see these rows (never the reverse).
  generation_.fetch_add(1, std::memory_order_acq_rel);
  auto& t = tables_[std::string(projection)];
  for (const auto& w : writes) {
    if (w.value)
      t.rows[w.key] = *w.value;
    else
      t.rows.erase(w.key);
  }
  t.checkpoint = checkpoint;
  return Status::ok();
}

Result<std::optional<std::string>> MemoryProjectionStore::get(std::string_view projection,
                                                              std::string_view key) {
  std::lock_guard lock(mu_);
  auto t = tables_.find(projection);
  if (t == tables_.end()) return std::optional<std::string>();
  auto it = t->second.rows.find(key);
  if (it == t->second.rows.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryProjectionStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) {
  // Copy the range first so `visit` may call back into this store.
  std::vector<std::pair<std::string, std::string>> range;
  {
    std::lock_guard lock(mu_);
    auto t = tables_.find(projection);
    if (t == tables_.end()) return Status::ok();
    auto& rows = t->second.rows;
    // An upper bound at or below `lower` is an empty range, not a walk off
    // the end of the map.
    if (!upper.empty() && upper <= lower) return Status::ok();
    auto first = rows.lower_bound(lower);
    auto last = upper.empty() ? rows.end() : rows.lower_bound(upper);
    for (auto it = first; it != last; ++it) range.emplace_back(it->first, it->second);
  }
  if (reverse) {
    for (auto it = range.rbegin(); it != range.rend(); ++it)
      if (!visit(it->first, it->second)) break;
  } else {
    for (const auto& [k, v] : range)
      if (!visit(k, v)) break;
  }
  return Status::ok();
}

Result<Checkpoint> MemoryProjectionStore::scan_all(
    std::string_view projection,
    const std::function<void(std::string_view key, std::string_view value)>& visit) {
  std::lock_guard lock(mu_);
  auto t = tables_.find(projection);
  if (t == tables_.end()) return Checkpoint{};
  for (const auto& [k, v] : t->second.rows) visit(k, v);
  return t->second.checkpoint;
}

Status MemoryProjectionStore::drop(std::string_view projection) {
  std::lock_guard lock(mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (auto it = tables_.find(projection); it != tables_.end()) tables_.erase(it);
  return Status::ok();
}

Status MemoryProjectionStore::rename(std::string_view from, std::string_view to) {
  std::lock_guard lock(mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  auto it = tables_.find(from);
  Table moved = it == tables_.end() ? Table{} : std::move(it->second);
  if (it != tables_.end()) tables_.erase(it);
  tables_[std::string(to)] = std::move(moved);
  return Status::ok();
}

}  // namespace starlog::store
