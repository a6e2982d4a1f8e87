#include "domain/event_validation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

#include "domain/occurred.h"
#include "domain/uuid.h"

namespace starlog::domain {
namespace {

using Errors = std::vector<FieldError>;

// No legitimate event nests deeper than event > data > changes > data > array
// (5 levels); the cap keeps recursive walks (ours and dump()) off the end of
// the stack when a client sends 100,000 nested arrays.
constexpr int kMaxDepth = 32;

constexpr std::array<std::string_view, 6> kEventFields = {"id",   "type",         "occurred",
                                                          "data", "participants", "sources"};

struct TextScan {
  bool utf8 = true;
  bool control = false;  // any control character other than "\n"
  bool newline = false;
  std::size_t chars = 0;  // code points
};

// Decodes UTF-8 strictly (no overlong forms, no surrogates, nothing above
// U+10FFFF). nlohmann rejects bad UTF-8 when parsing, but a Json built in
// code can hold any bytes, and these checks guard the store, not the parser.
TextScan scan_text(std::string_view s) {
  TextScan t;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f;
      len = 3;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07;
      len = 4;
    } else {
      t.utf8 = false;
      return t;
    }
    if (i + len > s.size()) {
      t.utf8 = false;
      return t;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        t.utf8 = false;
        return t;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      t.utf8 = false;
      return t;
    }
    if (cp == '\n') {
      t.newline = true;
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      // C0, DEL and C1: the Unicode "Cc" category. Tabs and carriage returns
      // are refused too: they render differently everywhere a title is shown.
      t.control = true;
    }
    ++t.chars;
    i += len;
  }
  return t;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n'; });
}

std::string too_long(std::size_t max, std::size_t got) {
  return "must be at most " + std::to_string(max) + " characters (it has " + std::to_string(got) +
         ")";
}

bool deeper_than(const Json& j, int limit) {
  if (limit < 0) return true;
  if (!j.is_structured()) return false;
  for (const auto& el : j) {
    if (deeper_than(el, limit - 1)) return true;
  }
  return false;
}

// Size of the event as the client would serialize it compactly; invalid UTF-8
// (already reported elsewhere) is replaced rather than thrown on.
std::size_t serialized_size(const Json& j) { return to_wire(j).size(); }

bool is_host_char(unsigned char c) {
  if (c >= 0x80) return true;  // an internationalized host name, already UTF-8 checked
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~%!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

// nullopt when `url` is an absolute http(s) URL with a host; else why not.
// Not a full RFC 3986 parser: it checks what makes a source link usable (a
// scheme a browser opens safely, a host) and what makes it unsafe to print (no
// whitespace or control characters).
std::optional<std::string> url_problem(std::string_view url) {
  const TextScan t = scan_text(url);
  if (!t.utf8) return "must be valid UTF-8";
  if (t.control || t.newline || url.find(' ') != std::string_view::npos)
    return "must not contain spaces or control characters";
  if (t.chars > kMaxUrlLength) return too_long(kMaxUrlLength, t.chars);
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return "must be an absolute http or https URL";
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return "must be an http or https URL";
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an invalid host";
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "has an invalid host";
      has_port = true;
      port = rest.substr(1);
    }
    if (host.empty() ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return "has an invalid host";
  } else {
    if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return "must name a host";
    for (char c : host) {
      if (!is_host_char(static_cast<unsigned char>(c))) return "has an invalid host";
    }
  }
  if (has_port) {
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) > 65535)
      return "has an invalid port";
  }
  return std::nullopt;
}

void unknown_fields(const Json& obj, const std::string& at,
                    std::initializer_list<std::string_view> allowed, Errors& out) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      out.push_back({at + "/" + pointer_token(key), "unknown field"});
  }
}

void strings_anywhere(const Json& v, const std::string& at, int depth, Errors& out) {
  if (depth > kMaxDepth) {
    out.push_back({at, "is nested too deeply"});
    return;
  }
  auto check = [&](std::string_view s, const std::string& where) {
    const TextScan t = scan_text(s);
    if (!t.utf8) {
      out.push_back({where, "must be valid UTF-8"});
    } else if (t.control) {
      out.push_back({where, "must not contain control characters"});
    } else if (t.chars > kMaxQuoteLength) {
      out.push_back({where, too_long(kMaxQuoteLength, t.chars)});
    }
  };
  if (v.is_string()) {
    check(v.get_ref<const std::string&>(), at);
  } else if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      const std::string where = at + "/" + pointer_token(key);
      const TextScan t = scan_text(key);
      if (!t.utf8 || t.control || t.newline) out.push_back({where, "is not a valid field name"});
      strings_anywhere(value, where, depth + 1, out);
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      strings_anywhere(v[i], at + "/" + std::to_string(i), depth + 1, out);
  }
}

}  // namespace

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool is_valid_slug(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front()) || !alnum(id.back())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool check_text(const Json& v, const std::string& at, TextKind kind, Errors& out) {
  if (!v.is_string()) {
    out.push_back({at, "must be a string"});
    return false;
  }
  const std::string& s = v.get_ref<const std::string&>();
  const TextScan t = scan_text(s);
  if (!t.utf8) {
    out.push_back({at, "must be valid UTF-8"});
    return false;
  }
  bool ok = true;
  if (t.control) {
    out.push_back({at, "must not contain control characters"});
    ok = false;
  } else if (t.newline && kind == TextKind::name) {
    out.push_back({at, "must be a single line"});
    ok = false;
  }
  if (is_blank(s)) {
    out.push_back({at, "must not be empty"});
    ok = false;
  }
  const std::size_t max = kind == TextKind::name ? kMaxNameLength : kMaxQuoteLength;
  if (t.chars > max) {
    out.push_back({at, too_long(max, t.chars)});
    ok = false;
  }
  return ok;
}

void check_text_array(const Json& v, const std::string& at, TextKind kind, std::size_t min_items,
                      std::size_t max_items, Errors& out) {
  if (!v.is_array()) {
    out.push_back({at, "must be an array of strings"});
    return;
  }
  if (v.size() < min_items) {
    out.push_back({at, "must hold at least " + std::to_string(min_items) +
                           (min_items == 1 ? " item" : " items")});
  }
  if (v.size() > max_items) {
    out.push_back({at, "must hold at most " + std::to_string(max_items) + " items (it has " +
                           std::to_string(v.size()) + ")"});
  }
  for (std::size_t i = 0; i < v.size(); ++i)
    check_text(v[i], at + "/" + std::to_string(i), kind, out);
}

void check_occurred(const Json* occurred, OccurredRule rule, std::string_view type_name,
                    const std::string& at, Errors& out) {
  if (rule == OccurredRule::absent) {
    if (occurred) {
      out.push_back({at, "must be absent: " + std::string(type_name) +
                             " events are not dated (a fact's date is changed by fact_corrected)"});
    }
    return;
  }
  if (!occurred) {
    out.push_back({at, "is required for " + std::string(type_name) + " events"});
    return;
  }
  if (!occurred->is_string()) {
    out.push_back({at, "must be a date string"});
    return;
  }
  const std::string& text = occurred->get_ref<const std::string&>();
  if (!scan_text(text).utf8) {
    out.push_back({at, "must be valid UTF-8"});
    return;
  }
  auto parsed = Occurred::parse(text);
  if (!parsed) {
    out.push_back({at, parsed.status().message()});
    return;
  }
  if (parsed->is_interval() && rule != OccurredRule::required_interval_allowed) {
    out.push_back(
        {at, "must be a single date, not an interval, for " + std::string(type_name) + " events"});
  }
}

void check_participants(const Json& v, const std::string& at, Errors& out) {
  if (!v.is_array()) {
    out.push_back({at, "must be an array"});
    return;
  }
  if (v.size() > kMaxParticipants) {
    out.push_back({at, "must hold at most " + std::to_string(kMaxParticipants) +
                           " participants (it has " + std::to_string(v.size()) + ")"});
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string here = at + "/" + std::to_string(i);
    const Json& p = v[i];
    if (!p.is_object()) {
      out.push_back({here, "must be an object {\"celebrity\", \"role\"}"});
      continue;
    }
    unknown_fields(p, here, {"celebrity", "role"}, out);
    if (auto it = p.find("celebrity"); it == p.end()) {
      out.push_back({here + "/celebrity", "is required"});
    } else if (!it->is_string()) {
      out.push_back({here + "/celebrity", "must be a string"});
    } else if (const std::string& id = it->get_ref<const std::string&>(); !is_valid_slug(id)) {
      out.push_back(
          {here + "/celebrity", "must be a celebrity id (a lower-case slug such as kanye-west)"});
    } else if (!seen.insert(id).second) {
      out.push_back({here + "/celebrity", "names '" + id + "' a second time"});
    }
    if (auto it = p.find("role"); it != p.end())
      check_text(*it, here + "/role", TextKind::name, out);
  }
}

namespace {

void check_stated_ages(const Json& v, const std::string& at, Errors& out) {
  if (!v.is_object()) {
    out.push_back(
        {at, "must be an object of celebrity ids to whole years, e.g. {\"kanye-west\": 37}"});
    return;
  }
  if (v.size() > kMaxStatedAges) {
    out.push_back({at, "must state at most " + std::to_string(kMaxStatedAges) +
                           " ages (it states " + std::to_string(v.size()) + ")"});
  }
  for (const auto& [key, age] : v.items()) {
    const std::string here = at + "/" + pointer_token(key);
    if (!is_valid_slug(key)) {
      out.push_back({here, "must be a celebrity id (a slug such as kanye-west)"});
      continue;
    }
    const bool whole =
        age.is_number_integer() || (age.is_number_float() && std::isfinite(age.get<double>()) &&
                                    age.get<double>() == std::floor(age.get<double>()));
    if (!age.is_number() || !whole) {
      out.push_back({here, "must be a whole number of years"});
      continue;
    }
    const double years = age.get<double>();
    if (years < 0 || years > kMaxStatedAge)
      out.push_back({here, "must be from 0 to " + std::to_string(kMaxStatedAge) + " years"});
  }
}

}  // namespace

void check_sources(const Json& v, const std::string& at, Errors& out) {
  if (!v.is_array()) {
    out.push_back({at, "must be an array"});
    return;
  }
  if (v.size() > kMaxSources) {
    out.push_back({at, "must hold at most " + std::to_string(kMaxSources) + " sources (it has " +
                           std::to_string(v.size()) + ")"});
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string here = at + "/" + std::to_string(i);
    const Json& s = v[i];
    if (!s.is_object()) {
      out.push_back({here, "must be an object {\"url\", \"publisher\", \"quote\", \"ages\"}"});
      continue;
    }
    unknown_fields(s, here, {"url", "publisher", "quote", "ages"}, out);
    if (auto it = s.find("url"); it == s.end()) {
      out.push_back({here + "/url", "is required"});
    } else if (!it->is_string()) {
      out.push_back({here + "/url", "must be a string"});
    } else if (auto problem = url_problem(it->get_ref<const std::string&>())) {
      out.push_back({here + "/url", *problem});
    }
    if (auto it = s.find("publisher"); it != s.end())
      check_text(*it, here + "/publisher", TextKind::name, out);
    if (auto it = s.find("quote"); it != s.end())
      check_text(*it, here + "/quote", TextKind::long_text, out);
    if (auto it = s.find("ages"); it != s.end()) check_stated_ages(*it, here + "/ages", out);
  }
}

void check_strings_anywhere(const Json& v, const std::string& at, Errors& out) {
  strings_anywhere(v, at, 0, out);
}

void check_content(const EventType& type, const Json* occurred, const Json& data,
                   const Json& participants, const Json& sources, const std::string& at,
                   Errors& out) {
  check_occurred(occurred, type.occurred, type.name, at + "/occurred", out);
  if (!data.is_object()) {
    out.push_back({at + "/data", "must be an object"});
  } else {
    type.validate_data(data, at + "/data", out);
  }
  // Participants put a fact on other timelines; an event that records no fact
  // has nothing to put there (a correction changes them via changes.participants).
  if (!type.records_fact() && participants.is_array() && !participants.empty()) {
    out.push_back({at + "/participants",
                   "must be empty: " + std::string(type.name) + " events record no fact to share"});
  }
  check_participants(participants, at + "/participants", out);
  check_sources(sources, at + "/sources", out);
}

Result<NewEvent> validate_new_event(const Json& j, const std::string& at) {
  Errors out;
  if (!j.is_object()) {
    out.push_back({at, "an event must be a JSON object"});
    return Status::invalid("the event is invalid", std::move(out));
  }
  if (deeper_than(j, kMaxDepth)) {
    out.push_back({at, "the event nests deeper than " + std::to_string(kMaxDepth) + " levels"});
    return Status::invalid("the event is invalid", std::move(out));
  }

  for (const auto& [key, value] : j.items()) {
    if (std::find(kEventFields.begin(), kEventFields.end(), key) != kEventFields.end()) continue;
    out.push_back({at + "/" + pointer_token(key),
                   key == "stream" ? "unknown field: the stream is the celebrity id in the URL"
                                   : "unknown field"});
  }

  NewEvent ev;
  if (auto it = j.find("id"); it == j.end()) {
    ev.id = make_uuid_v7();
    ev.id_generated = true;
  } else if (!it->is_string()) {
    out.push_back({at + "/id", "must be a UUID string"});
  } else if (auto id = normalize_uuid(it->get_ref<const std::string&>())) {
    ev.id = *id;
  } else {
    out.push_back({at + "/id", "must be a UUID (8-4-4-4-12 hexadecimal digits)"});
  }

  const EventType* type = nullptr;
  if (auto it = j.find("type"); it == j.end()) {
    out.push_back({at + "/type", "is required"});
  } else if (!it->is_string()) {
    out.push_back({at + "/type", "must be a string"});
  } else if (type = find_event_type(it->get_ref<const std::string&>()); !type) {
    std::string known;
    for (const EventType& t : all_event_types())
      known += (known.empty() ? "" : ", ") + std::string(t.name);
    // The unknown name is not echoed: it may be any bytes at all.
    out.push_back({at + "/type", "is not a known event type (known: " + known + ")"});
  }

  const Json* occurred = nullptr;
  if (auto it = j.find("occurred"); it != j.end()) occurred = &*it;
  static const Json kEmptyObject = Json::object();
  static const Json kEmptyArray = Json::array();
  const Json* data = &kEmptyObject;
  const Json* participants = &kEmptyArray;
  const Json* sources = &kEmptyArray;
  if (auto it = j.find("data"); it != j.end()) data = &*it;
  if (auto it = j.find("participants"); it != j.end()) participants = &*it;
  if (auto it = j.find("sources"); it != j.end()) sources = &*it;

  if (type) {
    check_content(*type, occurred, *data, *participants, *sources, at, out);
  } else {
    // Without a type the data cannot be checked; the rest still can, so the
    // client learns every error in one round trip.
    if (occurred)
      check_occurred(occurred, OccurredRule::required_interval_allowed, "these", at + "/occurred",
                     out);
    if (!data->is_object()) out.push_back({at + "/data", "must be an object"});
    check_participants(*participants, at + "/participants", out);
    check_sources(*sources, at + "/sources", out);
  }

  if (const std::size_t size = serialized_size(j); size > kMaxEventBytes) {
    out.push_back({at, "the event is " + std::to_string(size) + " bytes; at most " +
                           std::to_string(kMaxEventBytes) + " are allowed"});
  }

  if (!out.empty()) return Status::invalid("the event is invalid", std::move(out));

  ev.type = type->name;
  if (occurred) ev.occurred = occurred->get<std::string>();
  ev.data = *data;
  ev.participants = *participants;
  ev.sources = *sources;
  // One spelling per fact id, so that an amendment finds its fact whatever
  // case the editor typed it in.
  if (auto it = ev.data.find("fact_id"); it != ev.data.end() && it->is_string()) {
    if (auto id = normalize_uuid(it->get_ref<const std::string&>())) *it = *id;
  }
  return ev;
}

Result<std::vector<NewEvent>> validate_request_body(const Json& body) {
  if (body.is_object()) {
    auto one = validate_new_event(body, "");
    if (!one) return one.status();
    return std::vector<NewEvent>{std::move(one).value()};
  }
  if (!body.is_array()) {
    return Status::malformed("the body must be an event object or an array of event objects");
  }
  if (body.empty()) return Status::malformed("an empty array holds no events to append");
  if (body.size() > kMaxBatchEvents) {
    return Status::invalid("the batch is too large",
                           {{"", "a batch holds at most " + std::to_string(kMaxBatchEvents) +
                                     " events (it has " + std::to_string(body.size()) + ")"}});
  }
  std::vector<NewEvent> events;
  events.reserve(body.size());
  Errors out;
  std::map<std::string, std::size_t> ids;  // client-sent id -> index
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string at = "/";  // appended, not "/" + ...: GCC 12 -Wrestrict false positive at -O3
    at += std::to_string(i);
    auto ev = validate_new_event(body[i], at);
    if (!ev) {
      const auto& errs = ev.status().errors();
      out.insert(out.end(), errs.begin(), errs.end());
      continue;
    }
    // One id is one event: the same id twice in a batch is never a retry.
    if (!ev->id_generated) {
      if (auto [it, fresh] = ids.emplace(ev->id, i); !fresh)
        out.push_back({at + "/id", "repeats the id of event /" + std::to_string(it->second)});
    }
    events.push_back(std::move(ev).value());
  }
  if (!out.empty()) {
    return Status::invalid(body.size() == 1 ? "the event is invalid" : "the batch is invalid",
                           std::move(out));
  }
  return events;
}

Status validate_stored_event(const Event& e) {
  Errors out;
  if (!is_valid_slug(e.stream)) out.push_back({"/stream", "must be a celebrity id"});
  if (normalize_uuid(e.id) != e.id)
    out.push_back({"/id", "must be a UUID in lower-case canonical form"});
  if (!e.taken_down()) {
    Json j = content_of(e);
    j["id"] = e.id;
    auto checked = validate_new_event(j, "");
    if (!checked) {
      for (const FieldError& f : checked.status().errors())
        if (f.pointer != "/id") out.push_back(f);
    }
  }
  if (out.empty()) return Status::ok();
  return Status::invalid("the event is invalid", std::move(out));
}

}  // namespace starlog::domain
