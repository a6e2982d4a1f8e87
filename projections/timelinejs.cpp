#include "projections/timelinejs.h"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "domain/event_types.h"
#include "domain/occurred.h"

namespace starlog::projections {
namespace {

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += "<br>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "https://www.example.com:8080/a?b" -> "www.example.com".
std::string host_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  url = url.substr(0, url.find(':'));
  return lower(url);
}

std::string text_of(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += ", ";
      out += text_of(item);
    }
    return out;
  }
  if (v.is_null()) return "";
  return v.dump();
}

// "occupations" -> "Occupations", "fact_id" -> "Fact id".
std::string label_of(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The parts of `at` that `precision` allows, as TimelineJS date fields.
Json date_parts(domain::Millis at, domain::Precision precision) {
  using namespace std::chrono;
  const auto day = floor<days>(at);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<milliseconds> tod{at - day};
  Json d = {{"year", static_cast<int>(ymd.year())}};
  if (precision >= domain::Precision::month) d["month"] = static_cast<unsigned>(ymd.month());
  if (precision >= domain::Precision::day) d["day"] = static_cast<unsigned>(ymd.day());
  if (precision >= domain::Precision::minute) {
    d["hour"] = tod.hours().count();
    d["minute"] = tod.minutes().count();
  }
  if (precision >= domain::Precision::second) d["second"] = tod.seconds().count();
  return d;
}

// The '/' between the two ends of an interval (not one inside a
// "[Area/Location]" zone), or npos.
std::size_t interval_slash(const std::string& occurred) {
  int depth = 0;
  for (std::size_t i = 0; i < occurred.size(); ++i) {
    if (occurred[i] == '[')
      ++depth;
    else if (occurred[i] == ']')
      --depth;
    else if (occurred[i] == '/' && depth == 0)
      return i;
  }
  return std::string::npos;
}

void add_dates(Json& slide, const std::string& occurred) {
  const auto slash = interval_slash(occurred);
  const std::string first = occurred.substr(0, slash);
  if (auto a = domain::Occurred::parse(first); a.ok()) {
    slide["start_date"] = date_parts(a->start(), a->precision());
  }
  if (slash == std::string::npos) return;
  if (auto b = domain::Occurred::parse(occurred.substr(slash + 1)); b.ok()) {
    slide["end_date"] = date_parts(b->start(), b->precision());
  }
}

std::string link(const std::string& url, const std::string& text) {
  return "<a href=\"" + escape_html(url) + "\" target=\"_blank\" rel=\"noopener\">" +
         escape_html(text) + "</a>";
}

std::string publisher_of(const Json& source) {
  if (auto p = source.find("publisher");
      p != source.end() && p->is_string() && !p->get<std::string>().empty())
    return p->get<std::string>();
  return host_of(source.value("url", ""));
}

// Details of the fact's data: every field but the one its title already says.
std::string details_html(const Json& entry) {
  // The title already names these (and the people, in words, below).
  static const char* const kInTitle[] = {"title", "name", "podcast", "event",
                                         "quote", "with", "status"};
  const Json& data = entry.at("data");
  std::string html;
  if (auto q = data.find("quote"); q != data.end() && q->is_string()) {
    html += "<blockquote>" + escape_html(q->get<std::string>()) + "</blockquote>";
  }
  std::string fields;
  for (const auto& [key, value] : data.items()) {
    if (std::find(std::begin(kInTitle), std::end(kInTitle), key) != std::end(kInTitle)) continue;
    const std::string text = text_of(value);
    if (text.empty()) continue;
    if (!fields.empty()) fields += "<br>";
    fields += "<b>" + escape_html(label_of(key)) + ":</b> " + escape_html(text);
  }
  if (!fields.empty()) html += "<p>" + fields + "</p>";
  return html;
}

std::string people_html(const Json& entry, const NameOf& name_of) {
  std::string people;
  auto add = [&](const std::string& id, const std::string& role) {
    if (!people.empty()) people += ", ";
    people += escape_html(name_of(id));
    if (!role.empty()) people += " (" + escape_html(role) + ")";
  };
  // On a participant's timeline the subject is someone else: name them.
  if (entry.at("role") == "participant") add(entry.at("subject").get<std::string>(), "");
  for (const auto& p : entry.at("participants")) {
    add(p.at("celebrity").get<std::string>(), p.value("role", ""));
  }
  return people.empty() ? "" : "<p><b>With:</b> " + people + "</p>";
}

std::string status_html(const Json& entry) {
  std::string html;
  for (const auto& c : entry.at("corrections")) {
    html += "<p><i>Corrected " + escape_html(c.value("recorded_at", "").substr(0, 10)) + ": " +
            escape_html(c.value("reason", "")) + "</i></p>";
  }
  if (const Json& r = entry.at("retraction"); r.is_object()) {
    html += "<p><b>Retracted " + escape_html(r.value("recorded_at", "").substr(0, 10)) + ":</b> " +
            escape_html(r.value("reason", "")) + "</p>";
  }
  return html;
}

std::string sources_html(const Json& sources) {
  if (sources.empty()) return "";
  std::string html =
      "<p class=\"starlog-sources\"><b>Sources:</b></p><ul class=\"starlog-sources\">";
  for (const auto& s : sources) {
    html += "<li>" + link(s.value("url", ""), publisher_of(s));
    if (auto q = s.find("quote"); q != s.end() && q->is_string()) {
      html += ": “" + escape_html(q->get<std::string>()) + "”";
    }
    html += "</li>";
  }
  return html + "</ul>";
}

Json slide_of(const Json& entry, const NameOf& name_of) {
  Json slide = {{"unique_id", entry.at("fact_id")},
                {"group", domain::in_words(entry.value("type", ""), true)}};
  if (auto occurred = entry.find("occurred"); occurred != entry.end() && occurred->is_string()) {
    add_dates(slide, occurred->get<std::string>());
  }
  if (auto display = entry.find("display"); display != entry.end())
    slide["display_date"] = *display;
  std::string text = details_html(entry) + people_html(entry, name_of);
  if (auto age = entry.find("age"); age != entry.end()) {
    text += "<p><b>Age:</b> " + age->dump() + "</p>";
  }
  text += status_html(entry) + sources_html(entry.at("sources"));
  slide["text"] = {{"headline", escape_html(entry.at("title").get<std::string>())}, {"text", text}};
  // No "media": TimelineJS would fetch it (and its previews) from the
  // source's host; the document needs no host but this one. The sources are
  // links in the text.
  return slide;
}

}  // namespace

Json to_timelinejs(const Json& timeline, const NameOf& name_of) {
  const Json& celebrity = timeline.at("celebrity");
  const Json& entries = timeline.at("entries");
  Json events = Json::array();
  for (const auto& entry : entries) events.push_back(slide_of(entry, name_of));
  const std::string name = celebrity.at("name").get<std::string>();
  Json title = {
      {"unique_id", celebrity.at("id")},
      {"text",
       {{"headline", escape_html(name)},
        {"text", "<p>Dated facts about " + escape_html(name) + ", each with its sources.</p>"}}}};
  return Json{{"title", std::move(title)}, {"events", std::move(events)}, {"scale", "human"}};
}

}  // namespace starlog::projections
