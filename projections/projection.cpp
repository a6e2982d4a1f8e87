#include "projections/projection.h"

namespace starlog::projections {

Result<std::optional<std::string>> PendingRows::get(const std::string& key) {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  return store_.get(projection_, key);
}

std::vector<store::KvWrite> PendingRows::take() {
  std::vector<store::KvWrite> out;
  out.reserve(pending_.size());
  for (auto& [k, v] : pending_) out.push_back({k, std::move(v)});
  pending_.clear();
  return out;
}

}  // namespace starlog::projections
