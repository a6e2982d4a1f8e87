// BodyCache: serialized answers of cacheable reads, keyed by their derived
// ETag (api/caching.h), with the gzip variant made once, when the first
// client that accepts gzip asks (an answer read once by a client that does
// not, such as an as-of read at a new position, is never compressed).
//
// A derived ETag names exactly one answer: it changes whenever the
// projection changes what the answer says (the celebrity's revision is part
// of it), so an entry never needs invalidating: a changed celebrity simply
// asks for a new key, and old keys age out of the LRU. A hit therefore
// costs one revision lookup (to make the key) and a map lookup; no JSON is
// built or serialized, nothing is compressed.
//
// Bounded by the bytes it holds (identity + gzip); least recently used
// entries go first. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/http.h"

namespace starlog::api {

class BodyCache {
 public:
  struct Entry {
    std::string content_type;
    std::string identity;             // the body as built
    std::optional<std::string> gzip;  // when worth it (over kMinCompressBytes)
    std::vector<std::pair<std::string, std::string>> headers;  // e.g. Link
  };
  struct Stats {
    std::int64_t hits = 0, misses = 0, entries = 0, bytes = 0;
  };

  static constexpr std::size_t kDefaultMaxBytes = 64u << 20;

  explicit BodyCache(std::size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  // The entry for `key`, counting a hit or a miss.
  std::shared_ptr<const Entry> find(const std::string& key);
  // Keeps the 200 answer `res` under `key` (its body, content type and the
  // extra headers named in `keep`) and returns the answer to send to `req`,
  // as respond() would. Entries larger than a quarter of the cache are not
  // kept; an answer other than 200 is returned as it is.
  Response store(const Request& req, const std::string& key, Response res,
                 const std::vector<http::field>& keep = {});

  // `entry` (found under `key`) as the answer to `req`: gzip when the
  // request (not a HEAD) accepts it and the body is worth compressing (the
  // variant is made on the first such request and kept in the entry);
  // always `Vary: Accept-Encoding`.
  Response respond(const Request& req, const std::string& key, std::shared_ptr<const Entry> entry);

  Stats stats() const;
  // Forgets every entry (a takedown: cached answers may hold its content).
  void clear();

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<const Entry>>>;
  static std::size_t size_of(const Entry& e);
  static bool wants_gzip(const Request& req, const Entry& entry);
  static Response answer(const Request& req, const Entry& entry);
  // Replaces `old` under `key` by `now` (the same answer with its gzip
  // variant), if it is still there.
  void upgrade(const std::string& key, const std::shared_ptr<const Entry>& old,
               std::shared_ptr<const Entry> now);
  void evict_over_budget();

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  Lru lru_;  // most recent first
  std::unordered_map<std::string, Lru::iterator> index_;
  std::size_t bytes_ = 0;
  std::int64_t hits_ = 0, misses_ = 0;
};

}  // namespace starlog::api
