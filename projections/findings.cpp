#include "projections/findings.h"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "domain/event_types.h"
#include "domain/hash_chain.h"
#include "domain/occurred.h"
#include "domain/uuid.h"
#include "projections/fact_codec.h"
#include "projections/row_codec.h"
#include "projections/timeline_keys.h"

namespace starlog::projections::findings {
namespace {

using domain::Fact;
using domain::Millis;
using domain::Occurred;

// A pair of facts checked in one group is reported at most this often
// (a timeline of hundreds of identical titles stays cheap to fold).
constexpr std::size_t kMaxPairsPerGroup = 100;

struct Found {
  std::string id;
  std::string_view kind;
  std::string celebrity;
  std::vector<std::string> fact_ids;
  std::string message;
};

struct Person {
  std::string name;
  std::optional<Occurred> born;
};

Result<Json> load(PendingRows& rows, const std::string& key) {
  auto row = rows.read_json(key);
  if (!row.ok()) return row.status();
  return **row;
}

Result<std::optional<Person>> person(PendingRows& rows, const std::string& celebrity) {
  auto row = rows.read_json(keys::profile(celebrity));
  if (!row.ok()) return row.status();
  const Json& p = **row;
  if (p.is_null()) return std::optional<Person>();
  Person out{p.at("name").get<std::string>(), std::nullopt};
  if (const Json& b = p.at("born"); b.is_string()) {
    if (auto parsed = Occurred::parse(b.get<std::string>()); parsed.ok()) out.born = *parsed;
  }
  return std::optional<Person>(std::move(out));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string in_quotes(std::string_view s) { return "\u201c" + std::string(s) + "\u201d"; }

std::string title_of(const Fact& f) {
  const auto* type = domain::find_event_type(f.type);
  return type ? type->title(f.data, {}) : f.type;
}

// The end of the period of a fact's start: for "2021" the end of 2021, for
// an interval the end of its first date.
Millis start_period_end(const Occurred& when) {
  if (!when.is_interval()) return when.end();
  const std::string& text = when.text();
  auto first = Occurred::parse(std::string_view(text).substr(0, text.find('/')));
  return first.ok() ? first->end() : when.start();
}

std::string publisher_of(const Json& source) {
  if (auto p = source.find("publisher"); p != source.end() && p->is_string())
    return p->get<std::string>();
  std::string url = source.value("url", std::string());
  if (auto at = url.find("://"); at != std::string::npos) url = url.substr(at + 3);
  return "A source (" + url.substr(0, url.find('/')) + ")";
}

std::string ages_words(int lo, int hi) {
  if (lo == hi) return std::to_string(lo);
  if (hi == lo + 1) return std::to_string(lo) + " or " + std::to_string(hi);
  return std::to_string(lo) + " to " + std::to_string(hi);
}

// The celebrities on a fact's timeline rows: subject, then participants.
std::vector<std::string> on_fact(const Fact& f) {
  std::vector<std::string> out{f.subject};
  for (const auto& p : f.participants) {
    std::string c = p.at("celebrity").get<std::string>();
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

// The celebrities whose ages the fact's sources state.
std::set<std::string> stated(const Fact& f) {
  std::set<std::string> out;
  for (const auto& s : f.sources) {
    if (auto ages = s.find("ages"); ages != s.end() && ages->is_object())
      for (const auto& [c, _] : ages->items()) out.insert(c);
  }
  return out;
}

// unsourced, before_birth, age_mismatch of one fact.
Result<std::vector<Found>> per_fact(PendingRows& rows, const Fact& f) {
  std::vector<Found> out;
  if (f.status() == domain::FactStatus::retracted || !f.occurred) return out;
  auto when = Occurred::parse(*f.occurred);
  if (!when.ok()) return out;
  const std::string title = title_of(f);
  if (f.sources.empty()) {
    out.push_back({finding_id({kUnsourced, f.subject, f.id}),
                   kUnsourced,
                   f.subject,
                   {f.id},
                   in_quotes(title) + " (" + when->display() + ") has no source."});
  }
  const Millis earliest = when->start(), latest = start_period_end(*when);
  for (const std::string& c : on_fact(f)) {
    auto p = person(rows, c);
    if (!p.ok()) return p.status();
    if (!p->has_value() || !(*p)->born) continue;
    const Occurred& born = *(*p)->born;
    if (latest <= born.start()) {
      out.push_back({finding_id({kBeforeBirth, c, f.id}),
                     kBeforeBirth,
                     c,
                     {f.id},
                     in_quotes(title) + " is dated " + when->display() + ", before " + (*p)->name +
                         " was born (" + born.display() + ")."});
    }
  }
  for (const auto& s : f.sources) {
    auto ages = s.find("ages");
    if (ages == s.end() || !ages->is_object()) continue;
    for (const auto& [c, age] : ages->items()) {
      if (!age.is_number_integer()) continue;
      auto p = person(rows, c);
      if (!p.ok()) return p.status();
      if (!p->has_value() || !(*p)->born) continue;
      const Occurred& born = *(*p)->born;
      // The youngest the celebrity can have been (born as late as the birth
      // date allows, at the earliest moment of the fact) and the oldest.
      const auto hi = domain::whole_years(born.start(), latest - Millis::duration(1));
      if (!hi) continue;  // wholly before the birth: a before_birth finding
      // Ages count whole days: the last day the birth date allows, at its
      // start (on the birthday itself the new age holds all day).
      const Millis last_birth_day{date::floor<date::days>(born.end() - Millis::duration(1))};
      const int lo = domain::whole_years(last_birth_day, earliest).value_or(0);
      const auto n = age.get<std::int64_t>();
      if (n >= lo && n <= *hi) continue;
      out.push_back({finding_id({kAgeMismatch, c, f.id, s.value("url", std::string())}),
                     kAgeMismatch,
                     c,
                     {f.id},
                     publisher_of(s) + " states age " + std::to_string(n) + " for " + (*p)->name +
                         " on " + when->display() + "; born " + born.display() + " gives " +
                         ages_words(lo, *hi)});
    }
  }
  return out;
}

// Replaces the findings listed in `raised` (rows of [{"id","celebrity","kind"}])
// by `now`; returns the new list. A finding that stays keeps its position.
Result<Json> replace(PendingRows& rows, const Json& raised, std::vector<Found> now,
                     std::int64_t position, Touched& touched) {
  std::map<std::string, Found> next;
  for (auto& f : now) next.emplace(f.id, std::move(f));
  if (raised.is_array()) {
    for (const auto& old : raised) {
      const std::string id = old.at("id").get<std::string>();
      if (next.count(id)) continue;
      const std::string c = old.at("celebrity").get<std::string>();
      rows.erase(keys::finding(c, id));
      rows.erase(keys::finding_by_kind(old.at("kind").get<std::string>(), c, id));
      rows.erase(keys::finding_position(id));
      touched.insert(c);
    }
  }
  Json list = Json::array();
  for (const auto& [id, f] : next) {
    const std::string key = keys::finding(f.celebrity, id);
    const std::string value = encode_row(Json{{"id", id},
                                              {"kind", f.kind},
                                              {"celebrity", f.celebrity},
                                              {"fact_ids", f.fact_ids},
                                              {"message", f.message}});
    auto existing = rows.get(key);
    if (!existing.ok()) return existing.status();
    if (!existing->has_value()) {
      rows.put(keys::finding_by_kind(f.kind, f.celebrity, id), "");
      rows.put(keys::finding_position(id), std::to_string(position));
    }
    if (!existing->has_value() || **existing != value) {
      rows.put(key, value);
      touched.insert(f.celebrity);
    }
    list.push_back({{"id", id}, {"celebrity", f.celebrity}, {"kind", f.kind}});
  }
  return list;
}

Status refresh_fact(PendingRows& rows, const std::string& fact_id, const Fact* f,
                    std::int64_t position, Touched& touched) {
  const std::string key = keys::fact_findings(fact_id);
  auto raised = load(rows, key);
  if (!raised.ok()) return raised.status();
  std::vector<Found> now;
  if (f) {
    auto found = per_fact(rows, *f);
    if (!found.ok()) return found.status();
    now = std::move(*found);
  }
  auto list = replace(rows, *raised, std::move(now), position, touched);
  if (!list.ok()) return list.status();
  if (list->empty()) {
    if (!raised->is_null()) rows.erase(key);
  } else {
    rows.put(key, encode_row(*list));
  }
  return Status::ok();
}

// ---- groups -------------------------------------------------------------------

// The groups an active fact belongs to, by key, with its member row.
std::map<std::string, Json> groups_of(const Fact& f) {
  std::map<std::string, Json> out;
  if (f.status() == domain::FactStatus::retracted || !f.occurred) return out;
  auto when = Occurred::parse(*f.occurred);
  if (!when.ok()) return out;
  Json member = {{"fact_id", f.id},
                 {"start", when->start().time_since_epoch().count()},
                 {"end", when->end().time_since_epoch().count()},
                 {"position", f.position},
                 {"display", when->display()}};
  if (f.type == "relationship_changed") {
    Json m = member;
    m["status"] = f.data.value("status", std::string());
    m["with"] = f.data.value("with", std::string());
    out.emplace("r/" + f.subject + "/" + lower(f.data.value("with", std::string())), std::move(m));
  }
  const std::string title = title_of(f);
  for (const std::string& c : on_fact(f)) {
    Json m = member;
    m["title"] = title;
    out.emplace("d/" + c + "/" + f.type + "/" + lower(title), std::move(m));
  }
  return out;
}

bool earlier(const Json& a, const Json& b) {
  const auto ka =
      std::make_pair(a.at("start").get<std::int64_t>(), a.at("position").get<std::int64_t>());
  const auto kb =
      std::make_pair(b.at("start").get<std::int64_t>(), b.at("position").get<std::int64_t>());
  return ka < kb;
}

Result<std::vector<Found>> relationship_findings(PendingRows& rows, const std::string& subject,
                                                 std::vector<Json> members) {
  std::sort(members.begin(), members.end(), earlier);
  std::vector<Found> out;
  const Json* married_by = nullptr;  // the marriage now in force
  for (const auto& m : members) {
    const std::string status = m.at("status").get<std::string>();
    const std::string fact = m.at("fact_id").get<std::string>();
    std::string partner = m.at("with").get<std::string>();
    auto p = person(rows, partner);
    if (!p.ok()) return p.status();
    if (p->has_value()) partner = (*p)->name;
    const std::string on = " (" + m.at("display").get<std::string>() + ")";
    auto report = [&](std::vector<std::string> facts, std::string message) {
      out.push_back({finding_id({kRelationshipInconsistent, subject, fact}),
                     kRelationshipInconsistent, subject, std::move(facts), std::move(message)});
    };
    if (status == "married") {
      if (married_by)
        report({married_by->at("fact_id").get<std::string>(), fact},
               "Married to " + partner + on + " while already married to them since " +
                   married_by->at("display").get<std::string>() + ".");
      married_by = &m;
    } else if (status == "separated" || status == "divorce_filed" || status == "divorced") {
      if (!married_by) {
        const char* what = status == "separated"       ? "Separated from "
                           : status == "divorce_filed" ? "Filed for divorce from "
                                                       : "Divorced from ";
        report({fact}, what + partner + on + " with no marriage to them on record before.");
      }
      if (status == "divorced") married_by = nullptr;
    }
  }
  return out;
}

std::vector<Found> duplicate_findings(const std::string& celebrity, std::vector<Json> members) {
  std::sort(members.begin(), members.end(), earlier);
  std::vector<Found> out;
  for (std::size_t i = 0; i < members.size() && out.size() < kMaxPairsPerGroup; ++i) {
    const Json& a = members[i];
    for (std::size_t j = i + 1; j < members.size() && out.size() < kMaxPairsPerGroup; ++j) {
      const Json& b = members[j];
      // Sorted by start: once b starts at or after a's end, later ones do too.
      if (b.at("start").get<std::int64_t>() >= a.at("end").get<std::int64_t>()) break;
      const std::string fa = a.at("fact_id").get<std::string>();
      const std::string fb = b.at("fact_id").get<std::string>();
      out.push_back(
          {finding_id({kPossibleDuplicate, celebrity, std::min(fa, fb), std::max(fa, fb)}),
           kPossibleDuplicate,
           celebrity,
           {fa, fb},
           "Two facts are both " + in_quotes(a.at("title").get<std::string>()) +
               " and their dates overlap: " + a.at("display").get<std::string>() + " and " +
               b.at("display").get<std::string>() + "."});
    }
  }
  return out;
}

// Takes `fact_id` out of the group `key` and puts `member` in (if given),
// then checks the group again.
Status update_group(PendingRows& rows, const std::string& key, const std::string& fact_id,
                    const Json* member, std::int64_t position, Touched& touched) {
  auto row = rows.edit_json(keys::finding_group(key));
  if (!row.ok()) return row.status();
  Json& g = **row;
  if (g.is_null()) g = {{"members", Json::array()}, {"findings", Json::array()}};
  std::vector<Json> members;
  for (auto& m : g.at("members"))
    if (m.at("fact_id") != fact_id) members.push_back(std::move(m));
  if (member) members.push_back(*member);
  Result<std::vector<Found>> now = std::vector<Found>{};
  const std::string owner = key.substr(2, key.find('/', 2) - 2);
  if (key.starts_with("r/"))
    now = relationship_findings(rows, owner, members);
  else
    now = duplicate_findings(owner, members);
  if (!now.ok()) return now.status();
  auto list = replace(rows, g.at("findings"), std::move(*now), position, touched);
  if (!list.ok()) return list.status();
  if (members.empty()) {
    g = nullptr;  // the row goes
  } else {
    g = {{"members", std::move(members)}, {"findings", std::move(*list)}};
  }
  return Status::ok();
}

}  // namespace

bool is_kind(std::string_view kind) {
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

std::string finding_id(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view p : parts) {
    text += p;
    text += '\n';
  }
  std::string h = domain::sha256_hex(text).substr(0, 32);
  h[12] = '8';                                                        // version 8
  h[16] = "89ab"[std::stoi(std::string(1, h[16]), nullptr, 16) & 3];  // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

Status fact_changed(PendingRows& rows, const Fact* before, const Fact* after, std::int64_t position,
                    Touched& touched) {
  const std::string fact_id = after ? after->id : before->id;
  // Which celebrities' ages it states: re-checked when their birth dates change.
  const std::set<std::string> old_stated = before ? stated(*before) : std::set<std::string>{};
  const std::set<std::string> new_stated = after ? stated(*after) : std::set<std::string>{};
  for (const auto& c : old_stated)
    if (!new_stated.count(c)) rows.erase(keys::stated_age(c, fact_id));
  for (const auto& c : new_stated)
    if (!old_stated.count(c)) rows.put(keys::stated_age(c, fact_id), "");
  if (Status s = refresh_fact(rows, fact_id, after, position, touched); !s) return s;
  const auto old_groups = before ? groups_of(*before) : std::map<std::string, Json>{};
  const auto new_groups = after ? groups_of(*after) : std::map<std::string, Json>{};
  for (const auto& [key, member] : old_groups) {
    if (new_groups.count(key) && new_groups.at(key) == member) continue;
    auto now = new_groups.find(key);
    Status s = update_group(rows, key, fact_id, now == new_groups.end() ? nullptr : &now->second,
                            position, touched);
    if (!s) return s;
  }
  for (const auto& [key, member] : new_groups) {
    if (old_groups.count(key)) continue;
    if (Status s = update_group(rows, key, fact_id, &member, position, touched); !s) return s;
  }
  return Status::ok();
}

Status profile_changed(PendingRows& rows, const std::string& celebrity, const Json& before,
                       std::int64_t position, Touched& touched) {
  auto after = load(rows, keys::profile(celebrity));
  if (!after.ok()) return after.status();
  if (after->is_null()) return Status::ok();
  if (!before.is_null() && before.at("name") == after->at("name") &&
      before.at("born") == after->at("born"))
    return Status::ok();
  std::set<std::string> facts;
  const std::string timeline = keys::timeline_prefix(celebrity);
  Status s = rows.scan(timeline, keys::prefix_end(timeline),
                       [&](const std::string&, const std::string& value) {
                         facts.insert(decode_row(value).at("fact_id").get<std::string>());
                         return true;
                       });
  if (!s) return s;
  const std::string ages = keys::stated_age_prefix(celebrity);
  s = rows.scan(ages, keys::prefix_end(ages), [&](const std::string& key, const std::string&) {
    facts.insert(key.substr(ages.size()));
    return true;
  });
  if (!s) return s;
  for (const auto& id : facts) {
    auto row = rows.read_json(keys::fact(id));
    if (!row.ok()) return row.status();
    if ((*row)->is_null()) continue;
    const Fact f = fact_from_json(**row);
    if (Status r = refresh_fact(rows, id, &f, position, touched); !r) return r;
  }
  return Status::ok();
}

Status dismissed(PendingRows& rows, const domain::Event& e) {
  const std::string raw = e.data.at("finding_id").get<std::string>();
  rows.put(keys::dismissal(domain::normalize_uuid(raw).value_or(raw)),
           encode_row(Json{{"reason", e.data.at("reason")},
                           {"by", e.recorded_by},
                           {"at", domain::format_instant_ms(e.recorded_at)},
                           {"event_id", e.id},
                           {"position", e.position}}));
  return Status::ok();
}

}  // namespace starlog::projections::findings
