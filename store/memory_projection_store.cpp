#include "store/memory_projection_store.h"

#include <vector>

namespace starlog::store {

Result<Checkpoint> MemoryProjectionStore::checkpoint(std::string_view projection) {
  std::lock_guard lock(mu_);
  return tables_.checkpoint(projection);
}

Status MemoryProjectionStore::commit(std::string_view projection,
                                     const std::vector<KvWrite>& writes, Checkpoint checkpoint) {
  std::lock_guard lock(mu_);
  tables_.changed();
  auto& t = tables_.open(projection);
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
  auto* t = tables_.find(projection);
  if (!t) return std::optional<std::string>();
  auto it = t->rows.find(key);
  if (it == t->rows.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryProjectionStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) {
  // Copy the range first so `visit` may call back into this store.
  std::vector<std::pair<std::string, std::string>> range;
  {
    std::lock_guard lock(mu_);
    auto* t = tables_.find(projection);
    if (!t) return Status::ok();
    auto [first, last] = tables_.range(*t, lower, upper);
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
  auto* t = tables_.find(projection);
  if (!t) return Checkpoint{};
  for (const auto& [k, v] : t->rows) visit(k, v);
  return t->checkpoint;
}

Status MemoryProjectionStore::drop(std::string_view projection) {
  std::lock_guard lock(mu_);
  tables_.drop(projection);
  return Status::ok();
}

Status MemoryProjectionStore::rename(std::string_view from, std::string_view to) {
  std::lock_guard lock(mu_);
  tables_.rename(from, to);
  return Status::ok();
}

}  // namespace starlog::store
