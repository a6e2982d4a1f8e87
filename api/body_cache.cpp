#include "api/body_cache.h"

#include "api/compression.h"

namespace starlog::api {

std::size_t BodyCache::size_of(const Entry& e) {
  std::size_t n = e.identity.size() + e.content_type.size() + 64;
  if (e.gzip) n += e.gzip->size();
  for (const auto& [k, v] : e.headers) n += k.size() + v.size();
  return n;
}

std::shared_ptr<const BodyCache::Entry> BodyCache::find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

bool BodyCache::wants_gzip(const Request& req, const Entry& entry) {
  // A HEAD keeps the identity headers, as api/compression.h does.
  return entry.identity.size() > kMinCompressBytes && req.method() != http::verb::head &&
         accepts_gzip(req[http::field::accept_encoding]);
}

Response BodyCache::store(const Request& req, const std::string& key, Response res,
                          const std::vector<http::field>& keep) {
  if (res.result() != http::status::ok) return res;
  auto entry = std::make_shared<Entry>();
  entry->content_type = std::string(res[http::field::content_type]);
  entry->identity = std::move(res.body());
  if (wants_gzip(req, *entry)) entry->gzip = gzip(entry->identity);
  for (http::field f : keep) {
    if (auto it = res.find(f); it != res.end())
      entry->headers.emplace_back(std::string(it->name_string()), std::string(it->value()));
  }
  Response out = answer(req, *entry);
  const std::size_t size = size_of(*entry);
  if (size > max_bytes_ / 4) return out;
  std::lock_guard lock(mu_);
  if (index_.count(key)) return out;  // another thread built it too
  lru_.emplace_front(key, std::move(entry));
  index_[key] = lru_.begin();
  bytes_ += size;
  evict_over_budget();
  return out;
}

void BodyCache::evict_over_budget() {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= size_of(*lru_.back().second);
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

Response BodyCache::respond(const Request& req, const std::string& key,
                            std::shared_ptr<const Entry> entry) {
  if (!entry->gzip && wants_gzip(req, *entry)) {
    auto zipped = std::make_shared<Entry>(*entry);
    zipped->gzip = gzip(zipped->identity);
    upgrade(key, entry, zipped);
    entry = std::move(zipped);
  }
  return answer(req, *entry);
}

void BodyCache::upgrade(const std::string& key, const std::shared_ptr<const Entry>& old,
                        std::shared_ptr<const Entry> now) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->second != old) return;
  bytes_ += size_of(*now) - size_of(*old);
  it->second->second = std::move(now);
  evict_over_budget();
}

Response BodyCache::answer(const Request& req, const Entry& entry) {
  Response res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::content_type, entry.content_type);
  for (const auto& [k, v] : entry.headers) res.set(k, v);
  res.set(http::field::vary, "Accept-Encoding");
  if (entry.gzip && wants_gzip(req, entry)) {
    res.set(http::field::content_encoding, "gzip");
    res.body() = *entry.gzip;
  } else {
    res.body() = entry.identity;
  }
  res.prepare_payload();  // the router strips the body of a HEAD
  return res;
}

BodyCache::Stats BodyCache::stats() const {
  std::lock_guard lock(mu_);
  return {hits_, misses_, static_cast<std::int64_t>(index_.size()),
          static_cast<std::int64_t>(bytes_)};
}

void BodyCache::clear() {
  std::lock_guard lock(mu_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

}  // namespace starlog::api
