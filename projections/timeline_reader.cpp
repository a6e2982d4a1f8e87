#include "projections/timeline_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "domain/event_types.h"
#include "projections/fact_codec.h"
#include "projections/row_codec.h"

namespace starlog::projections {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True when `q` is a prefix of `text` or of any word in it.
bool matches_words(std::string_view text, const std::string& q) {
  const std::string t = lower(text);
  if (t.starts_with(q)) return true;
  for (std::size_t i = 1; i < t.size(); ++i) {
    const bool boundary =
        !std::isalnum(static_cast<unsigned char>(t[i - 1])) && (t[i - 1] & 0x80) == 0;
    if (boundary && std::string_view(t).substr(i).starts_with(q)) return true;
  }
  return false;
}

bool matches(const Json& profile, const std::string& q) {
  if (q.empty()) return true;
  if (matches_words(profile.at("name").get<std::string>(), q)) return true;
  for (const auto& a : profile.at("aliases"))
    if (matches_words(a.get<std::string>(), q)) return true;
  return false;
}

std::optional<domain::Occurred> born_of(const Json& profile) {
  const auto& b = profile.at("born");
  if (b.is_null()) return std::nullopt;
  auto parsed = domain::Occurred::parse(b.get<std::string>());
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

}  // namespace

Json render_entry(const domain::Fact& f, std::string_view role,
                  const std::optional<domain::Occurred>& born, std::string_view owner,
                  const std::function<std::string(std::string_view)>& name_of) {
  const domain::TitleView view{owner, f.subject, name_of};
  Json corrections = Json::array();
  for (const auto& c : f.corrections) corrections.push_back(amendment_to_json(c));
  const auto* type = domain::find_event_type(f.type);
  Json e = {{"fact_id", f.id},
            {"type", f.type},
            {"title", type ? type->title(f.data, view) : f.type},
            {"role", role},
            {"subject", f.subject},
            {"participants", f.participants},
            {"data", f.data},
            {"sources", f.sources},
            {"status", domain::to_string(f.status())},
            {"corrections", corrections},
            {"retraction", f.retraction ? amendment_to_json(*f.retraction) : Json(nullptr)},
            {"recorded_at", domain::format_instant_ms(f.recorded_at)},
            {"recorded_by", f.recorded_by},
            {"position", f.position}};
  if (f.occurred) {
    e["occurred"] = *f.occurred;
    if (auto when = domain::Occurred::parse(*f.occurred); when.ok()) {
      e["precision"] = domain::to_string(when->precision());
      e["approximate"] = when->approximate();
      e["uncertain"] = when->uncertain();
      e["start"] = domain::format_instant(when->start());
      e["end"] = domain::format_instant(when->end());
      e["display"] = when->display();
      if (born) {
        if (auto age = domain::age_at(*born, when->start())) e["age"] = *age;
      }
    }
  }
  return e;
}

Result<std::optional<Json>> TimelineReader::load(const std::string& key) {
  auto raw = rows_.get(projection_, key);
  if (!raw.ok()) return raw.status();
  if (!raw.value()) return std::optional<Json>();
  try {
    return std::optional<Json>(decode_row(**raw));
  } catch (const Json::exception& ex) {
    return Status::corrupt("projection row " + key + ": " + ex.what());
  }
}

Result<TimelinePage> TimelineReader::page(const TimelineQuery& q) {
  auto profile = load(keys::profile(q.celebrity));
  if (!profile.ok()) return profile.status();
  if (!profile.value()) return Status::not_found("no celebrity with id '" + q.celebrity + "'");
  const Json& p = **profile;
  TimelinePage page{{{"id", p.at("id")}, {"name", p.at("name")}}, born_of(p), {}, nullptr};

  const std::string prefix = keys::timeline_prefix(q.celebrity);
  std::string lower = prefix, upper = keys::prefix_end(prefix);
  if (q.cursor) {
    // Keyset pagination: strictly after (or before) the last entry served.
    if (q.descending)
      upper = prefix + q.cursor->sort;
    else
      lower = prefix + q.cursor->sort + '\x01';
  }
  // `to` bounds the scan: keys sort by start first, so every entry that
  // starts at or after it lies past this key (any key with that start
  // extends it). Without the bound a read up to an early date walked every
  // later entry.
  if (q.to) {
    const std::string bound =
        prefix + keys::sort_part(*q.to, domain::Precision::year, 0).substr(0, 16);
    if (bound < upper) upper = bound;
  }
  if (upper <= lower) return page;
  std::string last_sort;
  bool more = false;
  Status failure;
  Status s = rows_.scan(
      projection_, lower, upper, q.descending, [&](std::string_view key, std::string_view value) {
        try {
          const Json row = decode_row(value);
          if (!q.include_retracted && row.at("retracted").get<bool>()) return true;
          std::string role = row.at("role").get<std::string>();
          if (q.role == RoleFilter::subject && role != "subject") return true;
          if (q.role == RoleFilter::participant && role != "participant") return true;
          if (!q.types.empty() && !q.types.count(row.at("type").get<std::string>())) return true;
          const auto start = row.at("start").get<std::int64_t>();
          const auto end = row.at("end").get<std::int64_t>();
          if (q.from && end <= q.from->time_since_epoch().count()) return true;
          if (q.to && start >= q.to->time_since_epoch().count()) return true;
          if (page.entries.size() == q.limit) {
            more = true;
            return false;
          }
          page.entries.push_back({row.at("fact_id").get<std::string>(), std::move(role)});
          last_sort = std::string(key.substr(prefix.size()));
          return true;
        } catch (const Json::exception& ex) {
          failure = Status::corrupt(std::string("timeline row: ") + ex.what());
          return false;
        }
      });
  if (!s) return s;
  if (!failure) return failure;
  if (more) page.next_cursor = keys::encode_cursor(last_sort, q.descending);
  return page;
}

Result<Json> TimelineReader::timeline(const TimelineQuery& q, std::int64_t position) {
  auto page = this->page(q);
  if (!page.ok()) return page.status();
  Json entries = Json::array();
  for (const auto& entry : page->entries) {
    auto f = fact(entry.fact_id);
    if (!f.ok()) return f.status();
    if (!f.value()) return Status::corrupt("timeline row without fact");
    entries.push_back(render_entry(**f, entry.role, page->born, q.celebrity,
                                   [this](std::string_view id) { return name_of(id); }));
  }
  return Json{{"celebrity", std::move(page->celebrity)},
              {"position", position},
              {"entries", std::move(entries)},
              {"next_cursor", std::move(page->next_cursor)}};
}

std::string TimelineReader::name_of(std::string_view celebrity) {
  if (names_) return names_(celebrity);
  auto row = load(keys::profile(celebrity));
  if (!row.ok() || !row.value()) return std::string(celebrity);
  const Json& p = **row;
  auto it = p.find("name");
  return it != p.end() && it->is_string() ? it->get<std::string>() : std::string(celebrity);
}

Result<Json> TimelineReader::profile(std::string_view celebrity) {
  auto row = load(keys::profile(celebrity));
  if (!row.ok()) return row.status();
  if (!row.value())
    return Status::not_found("no celebrity with id '" + std::string(celebrity) + "'");
  Json p = **row;
  // first/last_occurred: the `occurred` of the first and last active entries
  // in timeline order, found with one short scan from each end.
  const std::string prefix = keys::timeline_prefix(celebrity);
  for (bool reverse : {false, true}) {
    Json found = nullptr;
    Status failure;
    Status s = rows_.scan(projection_, prefix, keys::prefix_end(prefix), reverse,
                          [&](std::string_view, std::string_view value) {
                            const Json r = decode_row_or_discarded(value);
                            if (r.is_discarded() || r.at("retracted").get<bool>()) return true;
                            auto fact = load(keys::fact(r.at("fact_id").get<std::string>()));
                            if (fact.ok() && fact.value())
                              found = (**fact).value("occurred", Json(nullptr));
                            else
                              failure = fact.ok() ? Status::corrupt("timeline row without fact")
                                                  : fact.status();
                            return false;
                          });
    if (!s) return s;
    if (!failure) return failure;
    p[reverse ? "last_occurred" : "first_occurred"] = found;
  }
  return p;
}

Result<Json> TimelineReader::directory(const DirectoryQuery& q) {
  const std::string needle = lower(q.q);
  const std::string prefix(keys::kProfilePrefix);
  std::string lower_key = q.after ? prefix + *q.after + '\x01' : prefix;
  Json items = Json::array();
  bool more = false;
  std::string last;
  Status failure;
  Status s = rows_.scan(projection_, lower_key, keys::prefix_end(prefix), false,
                        [&](std::string_view, std::string_view value) {
                          const Json p = decode_row_or_discarded(value);
                          if (p.is_discarded()) {
                            failure = Status::corrupt("directory row is not a MessagePack value");
                            return false;
                          }
                          if (!matches(p, needle)) return true;
                          if (items.size() == q.limit) {
                            more = true;
                            return false;
                          }
                          last = p.at("id").get<std::string>();
                          items.push_back({{"id", p.at("id")},
                                           {"name", p.at("name")},
                                           {"aliases", p.at("aliases")},
                                           {"fact_count", p.at("fact_count")},
                                           {"version", p.at("version")}});
                          return true;
                        });
  if (!s) return s;
  if (!failure) return failure;
  return Json{{"items", std::move(items)},
              {"next_cursor", more ? Json(keys::encode_opaque(last)) : Json(nullptr)}};
}

Result<std::optional<domain::Fact>> TimelineReader::fact(std::string_view fact_id) {
  auto row = load(keys::fact(fact_id));
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<domain::Fact>();
  try {
    return std::optional<domain::Fact>(fact_from_json(**row));
  } catch (const Json::exception& ex) {
    return Status::corrupt(std::string("fact row: ") + ex.what());
  }
}

Result<std::optional<std::int64_t>> TimelineReader::revision(std::string_view celebrity) {
  const std::optional<std::uint64_t> at = rows_.generation();  // before the read
  if (!at) return read_revision(celebrity);
  {
    std::lock_guard lock(revisions_mu_);
    if (*at > revisions_at_) {
      revisions_.clear();
      revisions_at_ = *at;
    }
    if (*at == revisions_at_) {
      if (auto it = revisions_.find(celebrity); it != revisions_.end())
        return std::optional<std::int64_t>(it->second);
    }
  }
  auto r = read_revision(celebrity);
  if (!r.ok() || !r->has_value()) return r;
  std::lock_guard lock(revisions_mu_);
  // Kept only for the generation it was read at: a write since then asks
  // again (what was read may be newer than `at`, never older).
  if (revisions_at_ == *at) {
    if (revisions_.size() >= kMaxRevisions) revisions_.clear();
    revisions_.emplace(std::string(celebrity), **r);
  }
  return r;
}

Result<std::optional<std::int64_t>> TimelineReader::read_revision(std::string_view celebrity) {
  auto raw = rows_.get(projection_, keys::revision(celebrity));
  if (!raw.ok()) return raw.status();
  if (!raw.value()) return std::optional<std::int64_t>();
  const std::string& text = **raw;
  std::int64_t position = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (ec != std::errc() || end != text.data() + text.size())
    return Status::corrupt("revision row of " + std::string(celebrity) + " is not a position");
  return std::optional<std::int64_t>(position);
}

}  // namespace starlog::projections
