// EventStore: the append-only log (CONTRACT §2, §3, §6 writes). No storage
// engine type appears here, so that a PostgreSQL backend can stand beside the
// SQLite one (store/sqlite_event_store.h).
//
// Positions (log-wide) and versions (per stream) start at 1 and have no gaps.
// Positions are handed out in commit order: a reader never sees N+1 before N.
// All methods are thread-safe; appends are serialized by one writer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace starlog::store {

struct Expected {
  enum class Kind { any, no_stream, exact };
  Kind kind = Kind::any;
  std::int64_t version = 0;  // with Kind::exact
  static Expected any() { return {}; }
  static Expected no_stream() { return {Kind::no_stream, 0}; }
  static Expected exact(std::int64_t v) { return {Kind::exact, v}; }
};

struct AppendRequest {
  std::string stream;
  Expected expected;
  std::vector<domain::NewEvent> events;  // validated; non-empty
  bool is_batch = false;                 // the body was an array (for error pointers)
  std::string recorded_by;
};

struct AppendedEvent {
  std::string id;
  std::int64_t version = 0;
  std::int64_t position = 0;
};

struct AppendResult {
  bool created = true;  // false: every event was already stored (idempotent retry)
  std::vector<AppendedEvent> events;
  std::int64_t stream_version = 0;  // after the append (for a retry: the stored last event's version)
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends atomically (all or none), durably (on disk before returning ok).
  // Order of decisions: idempotency (every id stored with the same content ->
  // ok with created=false and the original versions/positions; an id stored
  // with other content, or only some ids stored -> duplicate_id), then the
  // expected version (precondition_failed with expected/actual), then the
  // rules of domain/append_rules.h (invalid / conflict). Sets version,
  // position, recorded_at (the store's clock), recorded_by and hash.
  virtual Result<AppendResult> append(const AppendRequest& request) = 0;

  // Restores full envelopes from an export, keeping their recorded fields.
  // REQUIRES: events in log order. Refuses (corrupt, naming the position)
  // an event whose hash does not chain or whose position/version has a gap.
  // Events already stored with the same hash are skipped.
  virtual Status restore(const std::vector<domain::Event>& events) = 0;

  // Events of one stream with version >= from_version, at most `limit`.
  virtual Result<std::vector<domain::Event>> read_stream(std::string_view stream,
                                                         std::int64_t from_version,
                                                         std::size_t limit) = 0;
  // Events of the log with position > after, at most `limit`, in order.
  virtual Result<std::vector<domain::Event>> read_all(std::int64_t after, std::size_t limit) = 0;
  // Every event about one fact (see Event::fact_id), in log order.
  virtual Result<std::vector<domain::Event>> read_fact(std::string_view fact_id) = 0;
  virtual Result<std::optional<domain::Event>> find_event(std::string_view id) = 0;

  // Position of the last committed event (0 for an empty log).
  virtual std::int64_t head() = 0;
  // Version of a stream, 0 when it does not exist.
  virtual Result<std::int64_t> stream_version(std::string_view stream) = 0;

  // Called after every successful append that added events, with the new
  // head position, on the appending thread, after commit. For wake-ups
  // (projections, live feeds); must not block.
  virtual void on_commit(std::function<void(std::int64_t head)> listener) = 0;
};

}  // namespace starlog::store
