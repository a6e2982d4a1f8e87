// EventStore: the append-only log (docs/events.md). No storage
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

// One row of the log as stored, for audits: the event and the content
// digest stored beside it. `damaged` says why a column could not be read
// (e.g. it is no longer JSON); the other fields are filled all the same.
struct StoredEvent {
  domain::Event event;
  std::string content_digest;
  std::string damaged;  // empty when every column reads
};

struct AppendResult {
  bool created = true;  // false: every event was already stored (idempotent retry)
  std::vector<AppendedEvent> events;
  std::int64_t stream_version =
      0;  // after the append (for a retry: the stored last event's version)
  // A content_taken_down event was appended: the content it names is
  // erased from the log's files (see EventStore::append).
  bool erased = false;
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
  // A content_taken_down event erases, in the same atomic commit, the
  // content of every event about its fact (Event::erasure), and append
  // returns only once no byte of that content is left in the store's files.
  virtual Result<AppendResult> append(const AppendRequest& request) = 0;

  // Appends each request as append() would, in order, each with its own
  // result (a refused one does not stop the others), as if they were made
  // one after another by one caller. A store may commit them together (the
  // SQLite store: one transaction and one fsync per up to kMaxGroup), which
  // is what bulk loads such as `starlog import` want.
  virtual std::vector<Result<AppendResult>> append_all(const std::vector<AppendRequest>& requests) {
    std::vector<Result<AppendResult>> out;
    out.reserve(requests.size());
    for (const auto& r : requests) out.push_back(append(r));
    return out;
  }

  // Restores full envelopes from an export, keeping their recorded fields.
  // REQUIRES: events in log order. Refuses (corrupt, naming the position)
  // an event whose hash does not chain, whose position/version has a gap or
  // whose recorded_at is earlier than the previous event's; a refused
  // restore writes nothing. Events already stored with the same hash are
  // skipped.
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

  // The log as stored, for verifying the hash chain (domain::ChainVerifier):
  // rows with position > after, at most `limit`, in order.
  virtual Result<std::vector<StoredEvent>> read_stored(std::int64_t after, std::size_t limit) = 0;
  // The events that shape one celebrity's timeline, in log order, with
  // after < position <= up_to, at most `limit`: every event of its stream
  // and every event (recording, corrections, retraction) of each fact it
  // has been a participant of at any time. Read through an index, so the
  // cost follows this celebrity's events, not the size of the log.
  virtual Result<std::vector<domain::Event>> read_celebrity(std::string_view celebrity,
                                                            std::int64_t after, std::int64_t up_to,
                                                            std::size_t limit) = 0;
  // The last position recorded at or before `t` (0 when none is). Recorded
  // time never decreases along the log, so that position ends the prefix of
  // the log that was known at `t`.
  virtual Result<std::int64_t> position_at(domain::Millis t) = 0;

  // Makes sure that no byte of erased content is left in the store's files
  // (after a crash between a takedown's commit and its clean-up); run at
  // start-up. The SQLite store empties its WAL.
  virtual Status purge_erased() { return Status::ok(); }
  // The position of the last content_taken_down event; 0 when none.
  virtual Result<std::int64_t> last_takedown() = 0;

  // Position of the last committed event (0 for an empty log).
  virtual std::int64_t head() = 0;
  // ok when the store answers now; unavailable (or io_error) when it cannot
  // be reached (a database server that is down). For readiness checks.
  virtual Status reachable() { return Status::ok(); }
  // Version of a stream, 0 when it does not exist.
  virtual Result<std::int64_t> stream_version(std::string_view stream) = 0;

  // Called after every successful append that added events, with the new
  // head position, on the appending thread, after commit. For wake-ups
  // (projections, live feeds); must not block.
  virtual void on_commit(std::function<void(std::int64_t head)> listener) = 0;
};

}  // namespace starlog::store
