// TimelineReader: answers the read side of the API (reads of api/openapi.json)
// from the timeline projection's rows. Returns JSON documents exactly as
// served; knows nothing of HTTP. Thread-safe (reads only; revisions are
// remembered under a mutex while the rows' generation is unchanged).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

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

// One timeline entry as served (Entry in api/openapi.json), `role` as seen from the
// timeline's owner, `born` the owner's birth date for `age`. The title is
// written for `owner` (empty: the subject) with the names `name_of` gives
// (unset: ids as written); see domain::TitleView.
Json render_entry(const domain::Fact& f, std::string_view role,
                  const std::optional<domain::Occurred>& born, std::string_view owner = {},
                  const std::function<std::string(std::string_view)>& name_of = {});

// One page of a timeline before its entries are rendered: which facts, in
// which role, with the owner's `born` for ages. timeline() renders it; time
// travel renders it from entries it has rendered before.
struct TimelinePage {
  Json celebrity;  // {"id", "name"}
  std::optional<domain::Occurred> born;
  struct Entry {
    std::string fact_id;
    std::string role;  // "subject" or "participant"
  };
  std::vector<Entry> entries;
  Json next_cursor;  // the cursor of the next page, or null
};

class TimelineReader {
 public:
  TimelineReader(store::ProjectionStore& rows, std::string projection)
      : rows_(rows), projection_(std::move(projection)) {}

  // {"celebrity": {"id","name"}, "position", "entries", "next_cursor"};
  // not_found for an unknown celebrity.
  Result<Json> timeline(const TimelineQuery& q, std::int64_t position);
  // The page timeline() renders; not_found for an unknown celebrity.
  Result<TimelinePage> page(const TimelineQuery& q);
  // {"id","name","aliases","born","occupations","version","fact_count",
  //  "first_occurred","last_occurred"}; not_found when unknown.
  Result<Json> profile(std::string_view celebrity);
  // The registered name of `celebrity`; the argument itself when no such
  // celebrity is registered (or the read fails: a title never fails a read).
  std::string name_of(std::string_view celebrity);
  // Names for titles from elsewhere than these rows (time travel's
  // histories hold one celebrity's rows: names come from the live ones).
  void use_names(std::function<std::string(std::string_view)> names) { names_ = std::move(names); }
  // {"items": [{"id","name","aliases","fact_count","version"}], "next_cursor"}.
  Result<Json> directory(const DirectoryQuery& q);
  // The folded fact, or nullopt when unknown.
  Result<std::optional<domain::Fact>> fact(std::string_view fact_id);
  // The log position of the last event that changed the celebrity's profile
  // or timeline (keys::revision), nullopt for an unknown celebrity: a
  // validator to read before building an answer, so that an answer is never
  // older than the revision it is tagged with. Answered from memory while
  // the store's generation() is the one it was read at (no store work for
  // a cached read); otherwise one key lookup.
  Result<std::optional<std::int64_t>> revision(std::string_view celebrity);

  // The rows it reads, for other readers of the same projection (findings).
  store::ProjectionStore& store() const { return rows_; }
  const std::string& projection() const { return projection_; }

 private:
  Result<std::optional<Json>> load(const std::string& key);
  Result<std::optional<std::int64_t>> read_revision(std::string_view celebrity);
  store::ProjectionStore& rows_;
  std::string projection_;
  std::function<std::string(std::string_view)> names_;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Known celebrities' revisions, all read at generation revisions_at_.
  // Bounded: cleared when it would pass kMaxRevisions.
  static constexpr std::size_t kMaxRevisions = 1u << 20;
  std::mutex revisions_mu_;
  std::uint64_t revisions_at_ = 0;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> revisions_;
};

}  // namespace starlog::projections
