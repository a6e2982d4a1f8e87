#include "projections/projection.h"

#include <algorithm>

#include "projections/row_codec.h"

namespace starlog::projections {
namespace {
// What a buffered row costs beyond its bytes (map node, string headers).
constexpr std::size_t kRowOverhead = 96;
std::size_t size_of(const std::optional<std::string>& v) { return v ? v->size() : 0; }
}  // namespace

Result<std::optional<std::string>> PendingRows::get(const std::string& key) {
  if (auto it = parsed_.find(key); it != parsed_.end()) {
    if (it->second.is_null()) return std::optional<std::string>();
    return std::optional<std::string>(encode_row(it->second));
  }
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  return store_.get(projection_, key);
}

Result<const Json*> PendingRows::read_json(const std::string& key) {
  if (auto it = parsed_.find(key); it != parsed_.end()) return &it->second;
  if (auto it = decoded_.find(key); it != decoded_.end()) return &it->second;
  auto raw = get(key);
  if (!raw.ok()) return raw.status();
  Json j = raw.value() ? decode_row(**raw) : Json(nullptr);
  bytes_ += key.size() + kRowOverhead + (raw.value() ? (*raw)->size() : 0);
  return &decoded_.emplace(key, std::move(j)).first->second;
}

Result<Json*> PendingRows::edit_json(const std::string& key) {
  if (auto it = parsed_.find(key); it != parsed_.end()) return &it->second;
  Json j;
  if (auto node = decoded_.extract(key)) {
    j = std::move(node.mapped());  // its bytes stay counted, now as an edited row
  } else {
    auto raw = get(key);
    if (!raw.ok()) return raw.status();
    j = raw.value() ? decode_row(**raw) : Json(nullptr);
    bytes_ += key.size() + kRowOverhead + (raw.value() ? (*raw)->size() : 0);
  }
  if (auto it = pending_.find(key); it != pending_.end()) {
    bytes_ -= std::min(bytes_, key.size() + kRowOverhead + size_of(it->second));
    pending_.erase(it);
  }
  return &parsed_.emplace(key, std::move(j)).first->second;
}

Status PendingRows::scan(
    const std::string& lower, const std::string& upper,
    const std::function<bool(const std::string& key, const std::string& value)>& visit) {
  std::map<std::string, std::optional<std::string>> merged;
  Status s =
      store_.scan(projection_, lower, upper, false, [&](std::string_view k, std::string_view v) {
        merged.emplace(std::string(k), std::string(v));
        return true;
      });
  if (!s) return s;
  // Only the keys in range: a bulk batch holds hundreds of thousands of
  // pending rows, and walking them all on every scan made folds quadratic.
  auto below_upper = [&](const std::string& k) { return upper.empty() || k < upper; };
  for (auto it = pending_.lower_bound(lower); it != pending_.end() && below_upper(it->first); ++it)
    merged[it->first] = it->second;
  for (auto it = parsed_.lower_bound(lower); it != parsed_.end() && below_upper(it->first); ++it)
    merged[it->first] = it->second.is_null() ? std::nullopt : std::optional(encode_row(it->second));
  for (const auto& [k, v] : merged)
    if (v && !visit(k, *v)) break;
  return Status::ok();
}

void PendingRows::forget_parsed(const std::string& key) {
  if (auto it = parsed_.find(key); it != parsed_.end()) {
    bytes_ -= std::min(bytes_, key.size() + kRowOverhead);
    parsed_.erase(it);
  }
}

void PendingRows::forget_decoded(const std::string& key) {
  if (auto it = decoded_.find(key); it != decoded_.end()) {
    bytes_ -= std::min(bytes_, key.size() + kRowOverhead);
    decoded_.erase(it);
  }
}

void PendingRows::put(const std::string& key, std::string value) { set(key, std::move(value)); }

void PendingRows::erase(const std::string& key) { set(key, std::nullopt); }

void PendingRows::set(const std::string& key, std::optional<std::string> value) {
  forget_parsed(key);
  forget_decoded(key);
  auto [it, added] = pending_.try_emplace(key);
  if (added)
    bytes_ += key.size() + kRowOverhead;
  else
    bytes_ -= size_of(it->second);
  bytes_ += size_of(value);
  it->second = std::move(value);
}

std::vector<store::KvWrite> PendingRows::take() {
  for (auto& [k, j] : parsed_) {
    if (j.is_null())
      pending_[k] = std::nullopt;
    else
      pending_[k] = encode_row(j);
  }
  parsed_.clear();
  decoded_.clear();
  std::vector<store::KvWrite> out;
  out.reserve(pending_.size());
  while (!pending_.empty()) {
    auto node = pending_.extract(pending_.begin());
    out.push_back({std::move(node.key()), std::move(node.mapped())});
  }
  bytes_ = 0;
  return out;
}

}  // namespace starlog::projections
