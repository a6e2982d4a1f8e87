#include "projections/projection.h"

namespace starlog::projections {

Result<std::optional<std::string>> PendingRows::get(const std::string& key) {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  return store_.get(projection_, key);
}

namespace {
// What a buffered row costs beyond its bytes (map node, string headers).
constexpr std::size_t kRowOverhead = 96;
std::size_t size_of(const std::optional<std::string>& v) { return v ? v->size() : 0; }
}  // namespace

void PendingRows::put(const std::string& key, std::string value) {
  auto [it, added] = pending_.try_emplace(key);
  if (added)
    bytes_ += key.size() + kRowOverhead;
  else
    bytes_ -= size_of(it->second);
  bytes_ += value.size();
  it->second = std::move(value);
}

void PendingRows::erase(const std::string& key) {
  auto [it, added] = pending_.try_emplace(key);
  if (added)
    bytes_ += key.size() + kRowOverhead;
  else
    bytes_ -= size_of(it->second);
  it->second = std::nullopt;
}

std::vector<store::KvWrite> PendingRows::take() {
  std::vector<store::KvWrite> out;
  out.reserve(pending_.size());
  for (auto& [k, v] : pending_) out.push_back({k, std::move(v)});
  pending_.clear();
  bytes_ = 0;
  return out;
}

}  // namespace starlog::projections
