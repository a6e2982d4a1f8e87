// Time travel (as_of/as_of_position, `starlog replay`; docs/audit.md#3-time-travel): one
// celebrity's timeline exactly as it stood at a log position, corrections
// and retractions included only if recorded by then.
//
// It is not read from the live projection, which holds only the present.
// A celebrity's events (EventStore::read_celebrity, an index read: its
// stream and every event of each fact it was ever a participant of) go
// through the same TimelineProjection fold into a history
// (store::VersionedMemoryStore), committed after each event, so the rows
// of every position are kept; the same TimelineReader renders a view of
// them. The answer is the live timeline's format byte for byte, and its
// cost follows this celebrity's events, not the log.
//
// TimeTravel keeps those histories between requests: the first as-of read
// of a celebrity folds its events up to the log's head, later ones at any
// position up to there render a view without reading the log, and a read
// beyond it folds only the events since (or the whole history again when
// those events continue a fact the history has not seen: a fact corrected
// to name the celebrity for the first time). Histories are dropped least
// recently used first when they pass their memory budget, and all at once
// by forget() after a takedown (they may hold erased content).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "domain/json.h"
#include "domain/status.h"
#include "projections/timeline_reader.h"
#include "store/event_store.h"

namespace starlog::projections {

// The timeline document of `q` (filters, order, limit and cursor apply as
// on the live timeline) as of `position`, which the document reports as its
// "position". not_found when the celebrity was not registered by then.
// Folds afresh, keeping nothing (for one-off reads: `starlog replay`).
// REQUIRES: 0 <= position <= log.head().
// `names`: the registered names titles use (unset: ids as written).
Result<Json> timeline_at(store::EventStore& log, const TimelineQuery& q, std::int64_t position,
                         const std::function<std::string(std::string_view)>& names = {});

class TimeTravel {
 public:
  // `budget`: bytes of histories kept (at least the one being read is).
  // `names`: the registered names titles use (a history holds only its
  // celebrity's rows); unset: ids as written.
  TimeTravel(store::EventStore& log, std::size_t budget,
             std::function<std::string(std::string_view)> names = {})
      : log_(log), budget_(budget), names_(std::move(names)) {}
  ~TimeTravel();

  // As timeline_at, from the celebrity's kept history. Thread-safe: reads
  // of one history run at once; folding it further excludes them.
  Result<Json> timeline_at(const TimelineQuery& q, std::int64_t position);
  // The same document as the API sends it (to_wire(timeline_at(q,
  // position)), byte for byte), built from each entry's text: an entry is
  // rendered once per version of its fact, role and owner's birth date,
  // and kept with the history for later reads.
  Result<std::string> timeline_text_at(const TimelineQuery& q, std::int64_t position);

  // Drops every history (after a takedown): the next read folds afresh
  // from the log, which no longer holds the erased content. A read that
  // was folding meanwhile answers but keeps nothing.
  void forget();

  struct Stats {
    std::size_t histories = 0;  // celebrities kept
    std::size_t bytes = 0;      // their approximate size, rendered entries included
    std::uint64_t folds = 0;    // histories folded from position 0
  };
  Stats stats();

 private:
  struct History;
  // Runs `read` on the celebrity's history folded at least up to
  // `position`, holding it against folds meanwhile.
  Status with_history(const std::string& celebrity, std::int64_t position,
                      const std::function<void(History&)>& read);
  std::shared_ptr<History> history_of(const std::string& celebrity);
  // Folds `h` up to `to`; on failure `h` is discarded.
  Status fold_to(History& h, std::int64_t to);
  // Counts `h`'s size and evicts others past the budget.
  void account(const std::shared_ptr<History>& h);

  store::EventStore& log_;
  const std::size_t budget_;
  const std::function<std::string(std::string_view)> names_;
  std::mutex mu_;            // guards the members below (not a history's contents)
  std::uint64_t epoch_ = 0;  // forget() calls
  std::atomic<std::uint64_t> folds_{0};
  std::size_t bytes_ = 0;
  std::list<std::string> lru_;  // most recently used first
  struct Slot {
    std::shared_ptr<History> history;
    std::list<std::string>::iterator lru;
    std::size_t bytes = 0;
  };
  std::unordered_map<std::string, Slot> kept_;
};

}  // namespace starlog::projections
