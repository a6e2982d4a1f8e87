#include "store/versioned_memory_store.h"

#include <algorithm>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

namespace starlog::store {
namespace {
// What a key and a version cost beyond their bytes (map node, deque slot,
// string headers), for bytes().
constexpr std::size_t kKeyOverhead = 96;
constexpr std::size_t kVersionOverhead = 48;

Status read_only() { return Status::invalid("a view of a versioned store is read-only"); }
}  // namespace

const std::string* VersionedMemoryStore::value_at(const Versions& versions, std::int64_t position) {
  // The last version at or before `position` (several may share a position:
  // the last one written wins).
  auto it = std::upper_bound(versions.begin(), versions.end(), position,
                             [](std::int64_t p, const Version& v) { return p < v.position; });
  if (it == versions.begin()) return nullptr;
  const auto& v = *std::prev(it);
  return v.value ? &*v.value : nullptr;
}

Result<Checkpoint> VersionedMemoryStore::checkpoint(std::string_view projection) {
  std::shared_lock lock(mu_);
  return tables_.checkpoint(projection);
}

Status VersionedMemoryStore::commit(std::string_view projection, const std::vector<KvWrite>& writes,
                                    Checkpoint checkpoint) {
  std::unique_lock lock(mu_);
  auto& t = tables_.open(projection);
  if (checkpoint.position < t.checkpoint.position)
    return Status::invalid("a versioned store's commits move forward: position " +
                           std::to_string(checkpoint.position) + " after " +
                           std::to_string(t.checkpoint.position));
  tables_.changed();
  std::size_t added = 0;
  for (const auto& w : writes) {
    auto [it, fresh] = t.rows.try_emplace(w.key);
    if (fresh) added += w.key.size() + kKeyOverhead;
    // Erasing what is already absent records nothing.
    if (!w.value && (it->second.empty() || !it->second.back().value)) continue;
    it->second.push_back({checkpoint.position, w.value});
    added += kVersionOverhead + (w.value ? w.value->size() : 0);
  }
  t.checkpoint = checkpoint;
  bytes_.fetch_add(added, std::memory_order_relaxed);
  return Status::ok();
}

Result<std::optional<std::string>> VersionedMemoryStore::get(std::string_view projection,
                                                             std::string_view key) {
  std::shared_lock lock(mu_);
  auto* t = tables_.find(projection);
  if (!t) return std::optional<std::string>();
  auto it = t->rows.find(key);
  if (it == t->rows.end() || it->second.empty() || !it->second.back().value)
    return std::optional<std::string>();
  return std::optional<std::string>(*it->second.back().value);
}

Result<std::optional<std::string>> VersionedMemoryStore::get_at(std::string_view projection,
                                                                std::string_view key,
                                                                std::int64_t position) {
  std::shared_lock lock(mu_);
  auto* t = tables_.find(projection);
  if (!t) return std::optional<std::string>();
  auto it = t->rows.find(key);
  if (it == t->rows.end()) return std::optional<std::string>();
  const std::string* v = value_at(it->second, position);
  return v ? std::optional<std::string>(*v) : std::optional<std::string>();
}

Status VersionedMemoryStore::scan(
    std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) {
  return scan_at(projection, INT64_MAX, lower, upper, reverse, visit);
}

Status VersionedMemoryStore::scan_at(
    std::string_view projection, std::int64_t position, std::string_view lower,
    std::string_view upper, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) {
  // Views of the keys and values in range, taken under the lock a chunk at
  // a time (a timeline page reads 100 entries of a range that may hold tens
  // of thousands): map nodes and deque elements stay where they are while
  // commits add to them, so the iterator and the views outlive the lock.
  constexpr std::size_t kChunk = 256;
  MemoryTables<Versions>::Rows::iterator first, last, it;
  {
    std::shared_lock lock(mu_);
    auto* t = tables_.find(projection);
    if (!t) return Status::ok();
    std::tie(first, last) = tables_.range(*t, lower, upper);
    it = reverse ? last : first;
  }
  std::vector<std::pair<std::string_view, std::string_view>> chunk;
  chunk.reserve(kChunk);
  for (;;) {
    chunk.clear();
    {
      std::shared_lock lock(mu_);
      while (chunk.size() < kChunk && it != (reverse ? first : last)) {
        if (reverse) --it;
        if (const std::string* v = value_at(it->second, position))
          chunk.emplace_back(it->first, *v);
        if (!reverse) ++it;
      }
    }
    if (chunk.empty()) return Status::ok();
    for (const auto& [k, v] : chunk)
      if (!visit(k, v)) return Status::ok();
  }
}

Result<Checkpoint> VersionedMemoryStore::scan_all(
    std::string_view projection,
    const std::function<void(std::string_view key, std::string_view value)>& visit) {
  std::shared_lock lock(mu_);
  auto* t = tables_.find(projection);
  if (!t) return Checkpoint{};
  for (const auto& [k, versions] : t->rows)
    if (!versions.empty() && versions.back().value) visit(k, *versions.back().value);
  return t->checkpoint;
}

Status VersionedMemoryStore::drop(std::string_view projection) {
  std::unique_lock lock(mu_);
  tables_.drop(projection);
  return Status::ok();
}

Status VersionedMemoryStore::rename(std::string_view from, std::string_view to) {
  std::unique_lock lock(mu_);
  tables_.rename(from, to);
  return Status::ok();
}

VersionedMemoryStore::View VersionedMemoryStore::at(std::int64_t position) {
  return View(*this, position);
}

Result<Checkpoint> VersionedMemoryStore::View::checkpoint(std::string_view projection) {
  auto latest = store_.checkpoint(projection);
  if (!latest.ok()) return latest;
  return Checkpoint{std::min(latest->position, at_), latest->code_version};
}

Status VersionedMemoryStore::View::commit(std::string_view, const std::vector<KvWrite>&,
                                          Checkpoint) {
  return read_only();
}

Result<Checkpoint> VersionedMemoryStore::View::scan_all(
    std::string_view projection,
    const std::function<void(std::string_view key, std::string_view value)>& visit) {
  auto cp = checkpoint(projection);
  if (!cp.ok()) return cp;
  Status s = store_.scan_at(projection, at_, "", "", false, [&](auto k, auto v) {
    visit(k, v);
    return true;
  });
  if (!s) return s;
  return cp;
}

const std::string* VersionedMemoryStore::View::find(std::string_view projection,
                                                    std::string_view key) {
  std::shared_lock lock(store_.mu_);
  auto* t = store_.tables_.find(projection);
  if (!t) return nullptr;
  auto it = t->rows.find(key);
  return it == t->rows.end() ? nullptr : value_at(it->second, at_);
}

Status VersionedMemoryStore::View::drop(std::string_view) { return read_only(); }

Status VersionedMemoryStore::View::rename(std::string_view, std::string_view) {
  return read_only();
}

}  // namespace starlog::store
