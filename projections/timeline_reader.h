// TimelineReader: answers the read side of the API (CONTRACT §6 "Reads")
// from the timeline projection's rows. Returns JSON documents exactly as
// served; knows nothing of HTTP. Thread-safe (reads only).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "domain/fact.h"
#include "domain/json.h"
#include "domain/occurred.h"
#include "domain/status.h"
#include "projections/timeline_keys.h"
#include "store/projection_store.h"

namespace starlog::projections {

enum class RoleFilter { any, subject, participant };

struct TimelineQuery {
  std::string celebrity;
  std::optional<domain::Millis> from;  // keep entries whose period ends after this
  std::optional<domain::Millis> to;    // keep entries whose period starts before this
  std::set<std::string> types;         // empty: all
  RoleFilter role = RoleFilter::any;
  bool include_retracted = false;
  bool descending = false;
  std::size_t limit = 100;
  std::optional<keys::Cursor> cursor;  // REQUIRES: cursor->descending == descending
};

struct DirectoryQuery {
  std::string q;  // matched case-insensitively against the prefix of any word
  std::size_t limit = 100;
  std::optional<std::string> after;  // last id of the previous page
};

// One timeline entry as served (CONTRACT §6), `role` as seen from the
// timeline's owner, `born` the owner's birth date for `age`.
Json render_entry(const domain::Fact& f, std::string_view role,
                  const std::optional<domain::Occurred>& born);

class TimelineReader {
 public:
  TimelineReader(store::ProjectionStore& rows, std::string projection)
      : rows_(rows), projection_(std::move(projection)) {}

  // {"celebrity": {"id","name"}, "position", "entries", "next_cursor"};
  // not_found for an unknown celebrity.
  Result<Json> timeline(const TimelineQuery& q, std::int64_t position);
  // {"id","name","aliases","born","occupations","version","fact_count",
  //  "first_occurred","last_occurred"}; not_found when unknown.
  Result<Json> profile(std::string_view celebrity);
  // {"items": [{"id","name","aliases","fact_count","version"}], "next_cursor"}.
  Result<Json> directory(const DirectoryQuery& q);
  // The folded fact, or nullopt when unknown.
  Result<std::optional<domain::Fact>> fact(std::string_view fact_id);
  // The log position of the last event that changed the celebrity's profile
  // or timeline (keys::revision), nullopt for an unknown celebrity. One key
  // lookup: a validator to read before building an answer, so that an answer
  // is never older than the revision it is tagged with.
  Result<std::optional<std::int64_t>> revision(std::string_view celebrity);

 private:
  Result<std::optional<Json>> load(const std::string& key);
  store::ProjectionStore& rows_;
  std::string projection_;
};

}  // namespace starlog::projections
