#include "projections/timeline_projection.h"

#include <map>
#include <set>

#include "domain/event_types.h"
#include "domain/fact.h"
#include "projections/fact_codec.h"
#include "projections/findings.h"
#include "projections/row_codec.h"
#include "projections/timeline_keys.h"

namespace starlog::projections {
namespace {

using domain::Event;
using domain::Fact;

struct Row {
  std::string key;
  std::string value;
  bool active = true;
};

// The timeline rows a fact puts on each celebrity's timeline.
std::map<std::string, Row> rows_of(const Fact& f) {
  std::map<std::string, Row> out;
  if (!f.occurred) return out;
  auto when = domain::Occurred::parse(*f.occurred);
  if (!when.ok()) return out;  // cannot happen: validated on append
  const std::string sort = keys::sort_part(when->start(), when->precision(), f.position);
  const bool active = f.status() != domain::FactStatus::retracted;
  auto add = [&](const std::string& celebrity, const char* role) {
    Json v = {{"fact_id", f.id},
              {"role", role},
              {"type", f.type},
              {"start", when->start().time_since_epoch().count()},
              {"end", when->end().time_since_epoch().count()},
              {"retracted", !active}};
    out[celebrity] = Row{keys::timeline(celebrity, sort), encode_row(v), active};
  };
  add(f.subject, "subject");
  for (const auto& p : f.participants) add(p.at("celebrity").get<std::string>(), "participant");
  return out;
}

// A copy: the fold goes on to write the rows it read.
Result<Json> load_json(PendingRows& rows, const std::string& key) {
  auto row = rows.read_json(key);
  if (!row.ok()) return row.status();
  return **row;
}

// `subset`: the fold sees a subset of the log (TimelineProjection::Input),
// where an absent profile is one left out, not a corrupt one.
Status add_to_profile(PendingRows& rows, const std::string& celebrity, bool subset,
                      const std::function<void(Json&)>& change) {
  auto profile = rows.edit_json(keys::profile(celebrity));
  if (!profile.ok()) return profile.status();
  if ((*profile)->is_null()) {
    if (subset) return Status::ok();
    return Status::corrupt("no profile row for " + celebrity);
  }
  change(**profile);
  return Status::ok();
}

// Celebrities whose profile, timeline or findings rows the event being
// folded changes.
using Touched = findings::Touched;

// Replaces the rows of `before` (nullptr: a new fact) with those of `after`.
// Every timeline the fact was or is on is touched: the fact row they render
// from changes too.
Status write_fact(PendingRows& rows, const Fact* before, const Fact& after, bool subset,
                  Touched& touched) {
  std::map<std::string, Row> old_rows = before ? rows_of(*before) : std::map<std::string, Row>{};
  std::map<std::string, Row> new_rows = rows_of(after);
  std::map<std::string, int> count_delta;
  for (const auto& [celebrity, row] : old_rows) {
    touched.insert(celebrity);
    rows.erase(row.key);
    if (row.active) --count_delta[celebrity];
  }
  for (const auto& [celebrity, row] : new_rows) {
    touched.insert(celebrity);
    rows.put(row.key, row.value);
    if (row.active) ++count_delta[celebrity];
  }
  for (const auto& [celebrity, delta] : count_delta) {
    if (delta == 0) continue;
    Status s = add_to_profile(rows, celebrity, subset, [d = delta](Json& p) {
      p["fact_count"] = p.at("fact_count").get<std::int64_t>() + d;
    });
    if (!s) return s;
  }
  rows.put(keys::fact(after.id), encode_row(fact_to_json(after)));
  return Status::ok();
}

Json profile_row(const domain::Profile& p, std::int64_t version, std::int64_t fact_count) {
  return {{"id", p.id},
          {"name", p.name},
          {"aliases", p.aliases},
          {"born", p.born ? Json(*p.born) : Json(nullptr)},
          {"occupations", p.occupations},
          {"version", version},
          {"fact_count", fact_count}};
}

domain::Profile profile_from_row(const Json& j) {
  domain::Profile p;
  p.id = j.at("id").get<std::string>();
  p.name = j.at("name").get<std::string>();
  p.aliases = j.at("aliases");
  if (!j.at("born").is_null()) p.born = j.at("born").get<std::string>();
  p.occupations = j.at("occupations");
  return p;
}

Status apply_profile(const Event& e, PendingRows& rows) {
  auto row = rows.edit_json(keys::profile(e.stream));
  if (!row.ok()) return row.status();
  Json& j = **row;
  domain::Profile p;
  std::int64_t fact_count = 0;
  if (!j.is_null()) {
    p = profile_from_row(j);
    fact_count = j.at("fact_count").get<std::int64_t>();
  }
  p.id = e.stream;
  domain::apply_profile_event(p, e);
  j = profile_row(p, e.version, fact_count);
  return Status::ok();
}

Status apply_amendment(const Event& e, PendingRows& rows, bool subset, Touched& touched) {
  auto row = rows.read_json(keys::fact(e.fact_id()));
  if (!row.ok()) return row.status();
  if ((*row)->is_null()) return Status::corrupt("amendment of unknown fact " + e.fact_id());
  const Fact before = fact_from_json(**row);
  Fact after = before;
  // The store checked this amendment against the same fold when it was
  // appended; a failure here means the log was written without the rules
  // (e.g. a restore of a foreign export): the event changes nothing.
  if (!domain::apply_amendment(after, e)) return Status::ok();
  if (Status s = write_fact(rows, &before, after, subset, touched); !s) return s;
  if (subset) return Status::ok();
  return findings::fact_changed(rows, &before, &after, e.position, touched);
}

// A takedown: the fact leaves every timeline and count, and its row goes,
// as if it had never been recorded. Nothing when the fact is unknown (a
// replay of the log after the takedown sees its events erased).
Status apply_takedown(const Event& e, PendingRows& rows, bool subset, Touched& touched) {
  const std::string key = keys::fact(e.fact_id());
  auto row = rows.read_json(key);
  if (!row.ok()) return row.status();
  if ((*row)->is_null()) return Status::ok();
  const Fact before = fact_from_json(**row);
  std::map<std::string, int> count_delta;
  for (const auto& [celebrity, r] : rows_of(before)) {
    touched.insert(celebrity);
    rows.erase(r.key);
    if (r.active) --count_delta[celebrity];
  }
  for (const auto& [celebrity, delta] : count_delta) {
    Status s = add_to_profile(rows, celebrity, subset, [d = delta](Json& p) {
      p["fact_count"] = p.at("fact_count").get<std::int64_t>() + d;
    });
    if (!s) return s;
  }
  rows.erase(key);
  if (subset) return Status::ok();
  return findings::fact_changed(rows, &before, nullptr, e.position, touched);
}

Status record_fact(const Event& e, PendingRows& rows, bool subset, Touched& touched) {
  const Fact f = domain::fact_from_event(e);
  if (Status s = write_fact(rows, nullptr, f, subset, touched); !s) return s;
  if (subset) return Status::ok();
  return findings::fact_changed(rows, nullptr, &f, e.position, touched);
}

Status set_profile(const Event& e, PendingRows& rows, bool subset, Touched& touched) {
  if (subset) return apply_profile(e, rows);
  auto before = load_json(rows, keys::profile(e.stream));
  if (!before.ok()) return before.status();
  if (Status s = apply_profile(e, rows); !s) return s;
  return findings::profile_changed(rows, e.stream, *before, e.position, touched);
}

}  // namespace

bool TimelineProjection::digested(std::string_view key) const {
  return !key.starts_with(keys::kRevisionPrefix) && !key.starts_with(keys::kFindingPositionPrefix);
}

Status TimelineProjection::apply(const Event& e, PendingRows& rows) {
  const bool subset = input_ == Input::celebrity_subset;
  try {
    Status s;
    // Every event sets its own stream's profile (at least its version).
    Touched touched{e.stream};
    // An erased event folds as its header: no role, so only the version below.
    const domain::EventType* type = e.taken_down() ? nullptr : domain::find_event_type(e.type);
    const bool sets_profile = type && type->sets_profile();
    if (sets_profile) {
      s = set_profile(e, rows, subset, touched);
    } else if (type && type->amends()) {
      s = apply_amendment(e, rows, subset, touched);
    } else if (type && type->role == domain::EventRole::takedown) {
      s = apply_takedown(e, rows, subset, touched);
    } else if (type && type->records_fact()) {
      s = record_fact(e, rows, subset, touched);
    } else if (type && type->role == domain::EventRole::dismissal && !subset) {
      s = findings::dismissed(rows, e);
    }
    if (!s) return s;
    if (!sets_profile) {
      s = add_to_profile(rows, e.stream, subset, [&](Json& p) { p["version"] = e.version; });
      if (!s) return s;
    }
    // The revisions make cheap validators (ETags) for every read of a
    // celebrity: whatever changes its answer changes its revision.
    for (const auto& celebrity : touched)
      rows.put(keys::revision(celebrity), std::to_string(e.position));
    return Status::ok();
  } catch (const Json::exception& ex) {
    return Status::corrupt(std::string("timeline projection row: ") + ex.what());
  }
}

}  // namespace starlog::projections
