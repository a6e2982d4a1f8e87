// A projection folds the log, one event at a time, into rows of a
// ProjectionStore. Folding must be deterministic: the same events in the
// same order give the same rows, byte for byte (the audit compares a live
// projection with a replay by digest).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/json.h"
#include "domain/status.h"
#include "store/projection_store.h"

namespace starlog::projections {

// Writes of one fold step buffered over the store: get() sees the buffered
// writes first, so several events can be folded into one atomic commit.
// Rows that a fold changes again and again (a profile's counters) can be
// kept parsed for the whole batch with edit_json(), and are serialized once,
// by take(). Not thread-safe; lives for one commit.
class PendingRows {
 public:
  PendingRows(store::ProjectionStore& store, std::string projection)
      : store_(store), projection_(std::move(projection)) {}

  Result<std::optional<std::string>> get(const std::string& key);
  // The row decoded (null when absent), for reading: decoded once per batch
  // however often the fold reads it (profiles are read by every fact that
  // names the celebrity). The pointer is valid until the next write or
  // edit of `key`, or take(). Throws Json::exception for a corrupt row.
  Result<const Json*> read_json(const std::string& key);
  void put(const std::string& key, std::string value);
  void erase(const std::string& key);
  // The row parsed as JSON (null when absent), to change in place; the row
  // is written as the object's dump() unless put() or erase() replace it.
  Result<Json*> edit_json(const std::string& key);
  // Visits the rows with lower <= key < upper in key order as get() sees
  // them (the buffered writes over the store's rows), until `visit` returns
  // false. Reads the whole range first: for short ranges.
  Status scan(const std::string& lower, const std::string& upper,
              const std::function<bool(const std::string& key, const std::string& value)>& visit);
  bool empty() const { return pending_.empty() && parsed_.empty(); }
  // Approximate bytes held by the buffered writes (keys and values).
  std::size_t bytes() const { return bytes_; }
  // The buffered writes in key order; leaves the buffer empty.
  std::vector<store::KvWrite> take();

 private:
  void forget_parsed(const std::string& key);
  void forget_decoded(const std::string& key);
  void set(const std::string& key, std::optional<std::string> value);

  store::ProjectionStore& store_;
  std::string projection_;
  std::map<std::string, std::optional<std::string>> pending_;
  std::map<std::string, Json> parsed_;   // rows being edited; not in pending_
  std::map<std::string, Json> decoded_;  // rows read as JSON, unchanged; never in parsed_
  std::size_t bytes_ = 0;
};

class Projection {
 public:
  virtual ~Projection() = default;
  // Stable name, used as the store's projection name.
  virtual std::string_view name() const = 0;
  // Bumped whenever folding or the row format changes; a store checkpoint
  // with another code version is rebuilt.
  virtual std::int64_t code_version() const = 0;
  // Folds one event (REQUIRES: events in log order, each exactly once).
  virtual Status apply(const domain::Event& e, PendingRows& rows) = 0;
  // Whether a row enters the projection's digest (projections/digest.h).
  // Rows that only validate caches (a revision per celebrity) may differ
  // between the live rows and a replay once content was taken down: the
  // live fold saw the erased events, the replay cannot.
  virtual bool digested(std::string_view /*key*/) const { return true; }
};

}  // namespace starlog::projections
