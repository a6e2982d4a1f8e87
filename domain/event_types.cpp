// The table of event types (docs/events.md#event-types). Each kind has one validate_X and one
// title_X below, and one row in kEventTypes; nothing else in the code base
// lists the types.
//
// Caps of the lists, chosen to fit any real discography or CV
// while keeping one event well under 64 KiB:
//   aliases, occupations, hosts   at most 50 entries
//   tracks, works                 at most 200 entries
//   collaboration_made.with       1 to 20 entries (like participants)
// Every entry is a non-blank one-line string of at most 200 characters.
#include "domain/event_types.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>

#include "domain/event_validation.h"
#include "domain/occurred.h"
#include "domain/uuid.h"

namespace starlog::domain {
namespace {

using Errors = std::vector<FieldError>;

constexpr std::size_t kMaxProfileList = 50;  // aliases, occupations
constexpr std::size_t kMaxHosts = 50;
constexpr std::size_t kMaxTracks = 200;
constexpr std::size_t kMaxWorks = 200;
constexpr std::size_t kMaxCollaborators = 20;
constexpr std::size_t kStatementTitleChars = 80;

enum class Need { optional, required };

// Checks the fields of one `data` object. Each call names a field the type
// knows; finish() reports every field that no call named, so a schema is the
// list of calls in its validate_X and nothing else.
class DataChecker {
 public:
  DataChecker(const Json& data, const std::string& at, Errors& out)
      : data_(data), at_(at), out_(out) {}

  // The field's value, nullptr when absent (after reporting it if required).
  const Json* field(std::string_view name, Need need) {
    known_.push_back(name);
    auto it = data_.find(name);
    if (it == data_.end()) {
      if (need == Need::required) out_.push_back({pointer(name), "is required"});
      return nullptr;
    }
    return &*it;
  }

  void text(std::string_view name, Need need, TextKind kind = TextKind::name) {
    if (const Json* v = field(name, need)) check_text(*v, pointer(name), kind, out_);
  }

  void text_list(std::string_view name, Need need, std::size_t min_items, std::size_t max_items) {
    if (const Json* v = field(name, need))
      check_text_array(*v, pointer(name), TextKind::name, min_items, max_items, out_);
  }

  template <std::size_t N>
  void one_of(std::string_view name, Need need, const std::array<std::string_view, N>& values) {
    const Json* v = field(name, need);
    if (!v) return;
    if (!v->is_string()) {
      out_.push_back({pointer(name), "must be a string"});
      return;
    }
    const std::string& s = v->get_ref<const std::string&>();
    if (std::find(values.begin(), values.end(), s) != values.end()) return;
    std::string list;
    for (std::string_view x : values) list += (list.empty() ? "" : ", ") + std::string(x);
    out_.push_back({pointer(name), "must be one of " + list});
  }

  // A calendar date: YYYY, YYYY-MM or YYYY-MM-DD, optionally ~ or ?.
  void date(std::string_view name, Need need) {
    const Json* v = field(name, need);
    if (!v) return;
    if (!v->is_string()) {
      out_.push_back({pointer(name), "must be a date string"});
      return;
    }
    // The UTF-8 and control-character rules first: Occurred::parse's message
    // may quote the text, which must then be printable.
    Errors text_errors;
    if (!check_text(*v, pointer(name), TextKind::name, text_errors)) {
      out_.insert(out_.end(), text_errors.begin(), text_errors.end());
      return;
    }
    auto parsed = Occurred::parse(v->get_ref<const std::string&>());
    if (!parsed) {
      out_.push_back({pointer(name), parsed.status().message()});
    } else if (parsed->has_time() || parsed->is_interval()) {
      out_.push_back(
          {pointer(name), "must be a date (YYYY, YYYY-MM or YYYY-MM-DD) without a time"});
    }
  }

  void uuid(std::string_view name, Need need) {
    const Json* v = field(name, need);
    if (!v) return;
    if (!v->is_string() || !normalize_uuid(v->get_ref<const std::string&>()))
      out_.push_back({pointer(name), "must be a UUID (8-4-4-4-12 hexadecimal digits)"});
  }

  bool has(std::string_view name) const { return data_.contains(name); }

  void finish() {
    for (const auto& [key, value] : data_.items()) {
      if (std::find(known_.begin(), known_.end(), key) == known_.end())
        out_.push_back({pointer(key), "unknown field"});
    }
  }

  std::string pointer(std::string_view name) const { return at_ + "/" + pointer_token(name); }
  Errors& out() { return out_; }

 private:
  const Json& data_;
  const std::string& at_;
  Errors& out_;
  std::vector<std::string_view> known_;
};

// Titles read validated data, but must not throw on anything else either.
std::string str(const Json& data, std::string_view key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "A", "A and B", "A, B and C", "A, B, C and 2 others".
std::string join_names(const Json& names) {
  std::vector<std::string> v;
  if (names.is_array()) {
    for (const Json& n : names) {
      if (n.is_string()) v.push_back(n.get<std::string>());
    }
  }
  constexpr std::size_t kShown = 3;
  std::string out;
  if (v.size() > kShown) {
    for (std::size_t i = 0; i < kShown; ++i) out += (i ? ", " : "") + v[i];
    const std::size_t rest = v.size() - kShown;
    return out + " and " + std::to_string(rest) + (rest == 1 ? " other" : " others");
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? " and " : ", ";
    out += v[i];
  }
  return out;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// The first `max_chars` code points of `s` on one line, with "…" when cut.
std::string excerpt(const std::string& s, std::size_t max_chars) {
  std::string one_line;
  for (char c : s) one_line += c == '\n' ? ' ' : c;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < one_line.size(); ++i) {
    if ((static_cast<unsigned char>(one_line[i]) & 0xc0) == 0x80) continue;  // continuation byte
    if (chars == max_chars) {
      std::string cut = one_line.substr(0, i);
      while (!cut.empty() && cut.back() == ' ') cut.pop_back();
      return cut + "\u2026";
    }
    ++chars;
  }
  return one_line;
}

// "Released the album Donda" on the subject's own timeline, "Kanye West
// released the album Donda" on a participant's.
std::string act(const TitleView& v, const std::string& predicate) {
  return v.owner_is_subject() ? capitalized(predicate) : v.name(v.subject) + " " + predicate;
}

// ---- celebrity_registered ----------------------------------------------------
void validate_celebrity_registered(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("name", Need::required);
  c.text_list("aliases", Need::optional, 0, kMaxProfileList);
  c.date("born", Need::optional);
  c.text_list("occupations", Need::optional, 0, kMaxProfileList);
  c.finish();
}
std::string title_celebrity_registered(const Json&, const TitleView&) { return "Registered"; }

// ---- celebrity_updated -------------------------------------------------------
void validate_celebrity_updated(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("name", Need::optional);
  c.text_list("aliases", Need::optional, 0, kMaxProfileList);
  c.date("born", Need::optional);
  c.text_list("occupations", Need::optional, 0, kMaxProfileList);
  c.finish();
  if (!c.has("name") && !c.has("aliases") && !c.has("born") && !c.has("occupations"))
    out.push_back({at, "must hold at least one of name, aliases, born, occupations"});
}
std::string title_celebrity_updated(const Json&, const TitleView&) { return "Profile updated"; }

// ---- album_released ----------------------------------------------------------
void validate_album_released(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("title", Need::required);
  c.text("label", Need::optional);
  c.text_list("tracks", Need::optional, 0, kMaxTracks);
  c.finish();
}
std::string title_album_released(const Json& d, const TitleView& v) {
  return act(v, "released the album " + str(d, "title"));
}

// ---- song_released -----------------------------------------------------------
void validate_song_released(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("title", Need::required);
  c.text("album", Need::optional);
  c.finish();
}
std::string title_song_released(const Json& d, const TitleView& v) {
  return act(v, "released the song " + str(d, "title"));
}

// ---- live_event_held ---------------------------------------------------------
void validate_live_event_held(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("name", Need::required);
  c.text("venue", Need::required);
  c.text("city", Need::optional);
  c.finish();
}
std::string title_live_event_held(const Json& d, const TitleView& v) {
  return act(v, "held " + str(d, "name") + " at " + str(d, "venue"));
}

// ---- podcast_appeared --------------------------------------------------------
void validate_podcast_appeared(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("podcast", Need::required);
  c.text("episode", Need::optional);
  c.text_list("hosts", Need::optional, 0, kMaxHosts);
  c.finish();
}
std::string title_podcast_appeared(const Json& d, const TitleView& v) {
  return act(v, "appeared on the podcast " + str(d, "podcast"));
}

// ---- relationship_changed ----------------------------------------------------
// Stored values are stable forever; the words are what a headline says.
constexpr std::array<std::string_view, 7> kRelationshipStatuses = {
    "dating", "engaged", "married", "separated", "divorce_filed", "divorced", "reconciled"};

void validate_relationship_changed(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("with", Need::required);  // a celebrity id or any name: descriptive text
  c.one_of("status", Need::required, kRelationshipStatuses);
  c.finish();
}
// "Married X" on the subject's own timeline and on X's (with the subject's
// name), "S married X" on anyone else's. Filing is one-sided: on X's
// timeline it is "S filed for divorce".
std::string title_relationship_changed(const Json& d, const TitleView& v) {
  const std::string status = str(d, "status");
  const std::string with = str(d, "with");
  static const std::pair<std::string_view, std::string_view> kPhrases[] = {
      {"dating", "started dating "},
      {"engaged", "got engaged to "},
      {"married", "married "},
      {"separated", "separated from "},
      {"divorce_filed", "filed for divorce from "},
      {"divorced", "divorced "},
      {"reconciled", "reconciled with "}};
  std::string phrase;
  for (const auto& [value, words] : kPhrases)
    if (value == status) phrase = words;
  if (phrase.empty()) phrase = "relationship (" + in_words(status) + ") with ";
  if (v.owner_is_subject()) return capitalized(phrase + v.name(with));
  if (v.owner == with) {
    if (status == "divorce_filed") return v.name(v.subject) + " filed for divorce";
    return capitalized(phrase + v.name(v.subject));
  }
  return v.name(v.subject) + " " + phrase + v.name(with);
}

// ---- collaboration_made ------------------------------------------------------
void validate_collaboration_made(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text_list("with", Need::required, 1, kMaxCollaborators);
  c.text_list("works", Need::optional, 0, kMaxWorks);
  c.finish();
}
// On a collaborator's own timeline the subject takes their place in the list.
std::string title_collaboration_made(const Json& d, const TitleView& v) {
  Json names = Json::array();
  bool owner_listed = false;
  if (auto it = d.find("with"); it != d.end() && it->is_array()) {
    for (const Json& w : *it) {
      if (!w.is_string()) continue;
      if (!v.owner_is_subject() && w.get<std::string>() == v.owner) {
        owner_listed = true;
        continue;
      }
      names.push_back(v.name(w.get<std::string>()));
    }
  }
  if (v.owner_is_subject()) return "Collaborated with " + join_names(names);
  if (owner_listed) {
    names.insert(names.begin(), v.name(v.subject));
    return "Collaborated with " + join_names(names);
  }
  return v.name(v.subject) + " collaborated with " + join_names(names);
}

// ---- appearance_made ---------------------------------------------------------
void validate_appearance_made(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("event", Need::required);
  c.text("venue", Need::optional);
  c.finish();
}
std::string title_appearance_made(const Json& d, const TitleView& v) {
  return act(v, "appeared at " + str(d, "event"));
}

// ---- statement_made ----------------------------------------------------------
void validate_statement_made(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.text("quote", Need::required, TextKind::long_text);
  c.text("medium", Need::optional);
  c.finish();
}
std::string title_statement_made(const Json& d, const TitleView& v) {
  const std::string quote = "\u201c" + excerpt(str(d, "quote"), kStatementTitleChars) + "\u201d";
  return v.owner_is_subject() ? "Statement: " + quote : v.name(v.subject) + ": " + quote;
}

// ---- fact_corrected ----------------------------------------------------------
// Only the shape of `changes` is checked here; whether the corrected fact
// still validates as its type needs the fact (domain/fact.h, apply_amendment).
void validate_fact_corrected(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.uuid("fact_id", Need::required);
  c.text("reason", Need::required, TextKind::long_text);
  const Json* changes = c.field("changes", Need::required);
  c.finish();
  if (!changes) return;
  const std::string here = c.pointer("changes");
  if (!changes->is_object()) {
    out.push_back({here, "must be an object with any of occurred, data, participants, sources"});
    return;
  }
  DataChecker ch(*changes, here, out);
  const Json* occurred = ch.field("occurred", Need::optional);
  const Json* new_data = ch.field("data", Need::optional);
  const Json* participants = ch.field("participants", Need::optional);
  const Json* sources = ch.field("sources", Need::optional);
  ch.finish();
  if (!occurred && !new_data && !participants && !sources) {
    out.push_back({here, "must change at least one of occurred, data, participants, sources"});
  }
  // Every fact type requires a date, so a correction can move it but not drop it.
  if (occurred)
    check_occurred(occurred, OccurredRule::required_interval_allowed, "fact_corrected",
                   ch.pointer("occurred"), out);
  if (new_data) {
    if (!new_data->is_object()) {
      out.push_back({ch.pointer("data"), "must be an object (a null value removes a field)"});
    } else {
      check_strings_anywhere(*new_data, ch.pointer("data"), out);
    }
  }
  if (participants) check_participants(*participants, ch.pointer("participants"), out);
  if (sources) check_sources(*sources, ch.pointer("sources"), out);
}
std::string title_fact_corrected(const Json&, const TitleView&) { return "Corrected a fact"; }

// ---- fact_retracted ----------------------------------------------------------
void validate_fact_retracted(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.uuid("fact_id", Need::required);
  c.text("reason", Need::required, TextKind::long_text);
  c.finish();
}
std::string title_fact_retracted(const Json&, const TitleView&) { return "Retracted a fact"; }

// ---- content_taken_down -------------------------------------------------------
void validate_content_taken_down(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.uuid("fact_id", Need::required);
  c.text("reason", Need::required, TextKind::long_text);
  c.text("legal_basis", Need::optional, TextKind::long_text);
  c.finish();
}
std::string title_content_taken_down(const Json&, const TitleView&) {
  return "Took a fact's content down";
}

// ---- finding_dismissed -------------------------------------------------------
void validate_finding_dismissed(const Json& data, const std::string& at, Errors& out) {
  DataChecker c(data, at, out);
  c.uuid("finding_id", Need::required);
  c.text("reason", Need::required, TextKind::long_text);
  c.finish();
}
std::string title_finding_dismissed(const Json&, const TitleView&) { return "Dismissed a finding"; }

// The one table. Names are stable forever: never reuse, rename or remove one.
constexpr EventType kEventTypes[] = {
    {"celebrity_registered", OccurredRule::absent, EventRole::registration, false,
     validate_celebrity_registered, title_celebrity_registered},
    {"celebrity_updated", OccurredRule::absent, EventRole::profile_update, false,
     validate_celebrity_updated, title_celebrity_updated},
    {"album_released", OccurredRule::required, EventRole::fact, false, validate_album_released,
     title_album_released},
    {"song_released", OccurredRule::required, EventRole::fact, false, validate_song_released,
     title_song_released},
    {"live_event_held", OccurredRule::required_interval_allowed, EventRole::fact, false,
     validate_live_event_held, title_live_event_held},
    {"podcast_appeared", OccurredRule::required, EventRole::fact, false, validate_podcast_appeared,
     title_podcast_appeared},
    {"relationship_changed", OccurredRule::required, EventRole::fact, false,
     validate_relationship_changed, title_relationship_changed},
    {"collaboration_made", OccurredRule::required, EventRole::fact, false,
     validate_collaboration_made, title_collaboration_made},
    {"appearance_made", OccurredRule::required, EventRole::fact, false, validate_appearance_made,
     title_appearance_made},
    {"statement_made", OccurredRule::required, EventRole::fact, false, validate_statement_made,
     title_statement_made},
    {"fact_corrected", OccurredRule::absent, EventRole::correction, false, validate_fact_corrected,
     title_fact_corrected},
    {"fact_retracted", OccurredRule::absent, EventRole::retraction, false, validate_fact_retracted,
     title_fact_retracted},
    {"content_taken_down", OccurredRule::absent, EventRole::takedown, true,
     validate_content_taken_down, title_content_taken_down},
    {"finding_dismissed", OccurredRule::absent, EventRole::dismissal, false,
     validate_finding_dismissed, title_finding_dismissed},
};

}  // namespace

std::string in_words(std::string_view value, bool capital) {
  std::string s(value);
  std::replace(s.begin(), s.end(), '_', ' ');
  return capital ? capitalized(std::move(s)) : s;
}

const EventType* find_event_type(std::string_view name) {
  for (const EventType& t : kEventTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::span<const EventType> all_event_types() { return kEventTypes; }

std::optional<EventRole> role_of(std::string_view name) {
  const EventType* t = find_event_type(name);
  if (!t) return std::nullopt;
  return t->role;
}

const EventType& type_of_role(EventRole role) {
  for (const EventType& t : kEventTypes) {
    if (t.role == role) return t;
  }
  return kEventTypes[0];  // unreachable: the table has a type of every role
}

}  // namespace starlog::domain
