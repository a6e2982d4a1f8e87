// Occurred: a strict hand-written parser for the date forms of docs/events.md#dates.
//
// Grammar (every field has a fixed width; nothing else is accepted):
//   occurred  = point [ "/" point ]
//   point     = date [ "~" / "?" ] / date "T" time ( offset [ zone ] / zone )
//   date      = YYYY [ "-" MM [ "-" DD ] ]
//   time      = hh ":" mm [ ":" ss ]
//   offset    = "Z" / ( "+" / "-" ) hh ":" mm          at most 14:00
//   zone      = "[" IANA name "]"
// Upper-case T and Z only, no fractional seconds, no whitespace: a fact's date
// is written once and read forever, so one spelling per value keeps stored
// texts comparable and the parser small.
//
// Calendar arithmetic is date.h's (year_month_day::ok(), sys_days); zone rules
// come from date/tz.h over the OS tzdb. Wall-clock values stay
// date::local_seconds until an offset turns them into sys_seconds.
#include "domain/occurred.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <tuple>
#include <utility>
#include <vector>

namespace starlog::domain {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kEnDash = "\u2013";
constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
// Real-world offsets run from -12:00 to +14:00; anything beyond is a typo.
constexpr minutes kMaxOffset = hours{14};

// One side of an interval, or the whole value.
struct Point {
  Precision precision = Precision::day;
  bool approximate = false;
  bool uncertain = false;
  Millis start{};
  Millis end{};
  std::string display;
};

Status invalid(std::string msg) { return Status::invalid(std::move(msg)); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; the digit after them must not be one too,
// so "2021-8-1" and "2021-008" fail instead of being read loosely.
std::optional<int> fixed_digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  if (pos + n < s.size() && is_digit(s[pos + n])) return std::nullopt;
  return v;
}

std::string two_digits(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

std::string civil_display(date::year_month_day ymd, Precision p) {
  const std::string year = std::to_string(static_cast<int>(ymd.year()));
  const std::string_view month = kMonthNames[static_cast<unsigned>(ymd.month()) - 1];
  switch (p) {
    case Precision::year:
      return year;
    case Precision::month:
      return std::string(month) + " " + year;
    default:
      return std::to_string(static_cast<unsigned>(ymd.day())) + " " + std::string(month) + " " +
             year;
  }
}

// "UTC-04:00"; the sign is kept as written so "-00:00" stays distinguishable.
std::string offset_display(char sign, minutes off) {
  const auto abs = off < minutes{0} ? -off : off;
  return std::string("UTC") + sign + two_digits(static_cast<int>(abs.count() / 60)) + ":" +
         two_digits(static_cast<int>(abs.count() % 60));
}

// Numeric tzdb abbreviations ("+04") read as a bare number in prose; make
// them look like the offsets we print elsewhere ("UTC+04").
std::string abbrev_display(const std::string& abbrev) {
  if (!abbrev.empty() && (abbrev[0] == '+' || abbrev[0] == '-')) return "UTC" + abbrev;
  return abbrev;
}

struct CivilDate {
  date::year_month_day ymd;
  Precision precision;
  std::size_t next;  // index just past the date
};

// Parses YYYY[-MM[-DD]] at the start of `s`. `min_year` lets parse_instant
// accept RFC 3339's year 0000 while Occurred keeps to 0001-9999.
Result<CivilDate> parse_civil(std::string_view s, int min_year) {
  if (s.size() >= 5 && std::all_of(s.begin(), s.begin() + 5, is_digit))
    return invalid("the year must have four digits (0001-9999)");
  const auto y = fixed_digits(s, 0, 4);
  if (!y) return invalid("expected a four-digit year (YYYY, YYYY-MM or YYYY-MM-DD)");
  if (*y < min_year)
    return invalid("year " + std::string(s.substr(0, 4)) + " is outside 0001-9999");
  const date::year year{*y};
  if (s.size() == 4 || s[4] != '-') return CivilDate{year / date::January / 1, Precision::year, 4};

  const auto m = fixed_digits(s, 5, 2);
  if (!m) return invalid("expected a two-digit month after the year (YYYY-MM)");
  if (*m < 1 || *m > 12) return invalid("month " + two_digits(*m) + " is outside 01-12");
  const date::month month{static_cast<unsigned>(*m)};
  if (s.size() == 7 || s[7] != '-') return CivilDate{year / month / 1, Precision::month, 7};

  const auto d = fixed_digits(s, 8, 2);
  if (!d) return invalid("expected a two-digit day after the month (YYYY-MM-DD)");
  const date::year_month_day ymd{year, month, date::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) {
    const auto last = date::year_month_day_last{year, date::month_day_last{month}}.day();
    return invalid("day " + two_digits(*d) + " does not exist in " +
                   civil_display(ymd, Precision::month) + " (it has " +
                   std::to_string(static_cast<unsigned>(last)) + " days)");
  }
  return CivilDate{ymd, Precision::day, 10};
}

struct WallTime {
  seconds since_midnight;
  Precision precision;
  std::string display;  // "20:00" or "20:00:05", as written
  std::size_t next;
};

// Parses hh:mm[:ss] at `pos`.
Result<WallTime> parse_wall_time(std::string_view s, std::size_t pos) {
  const auto h = fixed_digits(s, pos, 2);
  if (!h || pos + 2 >= s.size() || s[pos + 2] != ':')
    return invalid("expected a time hh:mm or hh:mm:ss after 'T'");
  const auto mi = fixed_digits(s, pos + 3, 2);
  if (!mi) return invalid("expected two-digit minutes (hh:mm)");
  if (*h > 23) return invalid("hour " + two_digits(*h) + " is outside 00-23");
  if (*mi > 59) return invalid("minute " + two_digits(*mi) + " is outside 00-59");
  WallTime t{hours{*h} + minutes{*mi}, Precision::minute, two_digits(*h) + ":" + two_digits(*mi),
             pos + 5};
  if (t.next < s.size() && s[t.next] == ':') {
    const auto sec = fixed_digits(s, t.next + 1, 2);
    if (!sec) return invalid("expected two-digit seconds (hh:mm:ss)");
    if (*sec > 59) return invalid("second " + two_digits(*sec) + " is outside 00-59");
    t.since_midnight += seconds{*sec};
    t.precision = Precision::second;
    t.display += ":" + two_digits(*sec);
    t.next += 3;
  }
  return t;
}

struct Offset {
  minutes value;
  char sign;  // 'Z', '+' or '-'
  std::size_t next;
};

// Parses Z or ±hh:mm at `pos`. REQUIRES: s[pos] is 'Z', '+' or '-'.
Result<Offset> parse_offset(std::string_view s, std::size_t pos) {
  if (s[pos] == 'Z') return Offset{minutes{0}, 'Z', pos + 1};
  const char sign = s[pos];
  const auto h = fixed_digits(s, pos + 1, 2);
  if (!h || pos + 3 >= s.size() || s[pos + 3] != ':') return invalid("expected an offset ±hh:mm");
  const auto m = fixed_digits(s, pos + 4, 2);
  if (!m) return invalid("expected an offset ±hh:mm");
  if (*m > 59) return invalid("offset minutes " + two_digits(*m) + " are outside 00-59");
  const minutes abs = hours{*h} + minutes{*m};
  if (abs > kMaxOffset) return invalid("offset beyond ±14:00");
  return Offset{sign == '-' ? -abs : abs, sign, pos + 6};
}

bool is_zone_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-' ||
         c == '+' || c == '/';
}

// Looks up an IANA name. Syntax is checked first so that nothing resembling
// a path reaches the tz library, and "localtime" (the host's own zone under
// /usr/share/zoneinfo) is refused because it would make a stored fact mean
// different instants on different machines.
Result<const date::time_zone*> find_zone(std::string_view name) {
  const bool plausible = !name.empty() && name.size() <= 64 && name.front() != '/' &&
                         name.back() != '/' && name.find("..") == std::string_view::npos &&
                         name.find("//") == std::string_view::npos &&
                         std::all_of(name.begin(), name.end(), is_zone_char);
  if (!plausible) {
    if (name.find('=') != std::string_view::npos || (!name.empty() && name[0] == '!'))
      return invalid("only an IANA time zone may appear in brackets (no tags or '!' flags)");
    return invalid("malformed time zone name in brackets (expected [Area/Location])");
  }
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (name == "localtime") return invalid("unknown time zone " + quoted);
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // locate_zone reports an unknown name (and a tzdb it cannot read) by throwing.
    return invalid("unknown time zone " + quoted);
  }
}

// A date followed by "T": a precise instant.
Result<Point> parse_timed(std::string_view s, const CivilDate& date) {
  auto wall = parse_wall_time(s, date.next + 1);
  if (!wall) return wall.status();
  std::size_t pos = wall->next;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ','))
    return invalid("fractional seconds are not supported");
  if (pos < s.size() && s[pos] == 'z') return invalid("write the UTC designator as upper-case 'Z'");

  std::optional<Offset> offset;
  std::string_view offset_text;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == '+' || s[pos] == '-')) {
    auto o = parse_offset(s, pos);
    if (!o) return o.status();
    offset = *o;
    offset_text = s.substr(pos, o->next - pos);
    pos = o->next;
  }
  std::optional<std::string_view> zone_name;
  if (pos < s.size() && s[pos] == '[') {
    const auto close = s.find(']', pos);
    if (close == std::string_view::npos) return invalid("time zone bracket is not closed");
    zone_name = s.substr(pos + 1, close - pos - 1);
    pos = close + 1;
  }
  if (pos < s.size()) {
    if (s[pos] == '~' || s[pos] == '?' || s[pos] == '%')
      return invalid("'~' and '?' are allowed only on date-only values");
    return invalid("unexpected text after the time: \"" + std::string(s.substr(pos, 16)) + "\"");
  }
  if (!offset && !zone_name)
    return invalid("a time needs an offset (Z or ±hh:mm) or a time zone [Area/Location]");

  const date::local_seconds local = date::local_days{date.ymd} + wall->since_midnight;
  date::sys_seconds instant;
  std::string suffix;
  if (offset) {
    instant = date::sys_seconds{local.time_since_epoch()} - offset->value;
    suffix = offset->sign == 'Z' ? "UTC" : offset_display(offset->sign, offset->value);
  }
  if (zone_name) {
    auto zone = find_zone(*zone_name);
    if (!zone) return zone.status();
    if (offset) {
      const date::sys_info info = (*zone)->get_info(instant);
      if (info.offset != offset->value)
        return invalid("offset " + std::string(offset_text) + " does not agree with time zone \"" +
                       std::string(*zone_name) + "\" at that time (" + abbrev_display(info.abbrev) +
                       ")");
      suffix = abbrev_display(info.abbrev);
    } else {
      const date::local_info info = (*zone)->get_info(local);
      if (info.result == date::local_info::nonexistent)
        return invalid("local time " + wall->display + " does not exist in \"" +
                       std::string(*zone_name) + "\" on that day (clocks skip it)");
      // For an ambiguous wall time `first` is the rule in force before the
      // transition, which gives the earlier of the two instants.
      instant = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
      suffix = abbrev_display(info.first.abbrev);
    }
  }

  Point p;
  p.precision = wall->precision;
  p.start = instant;
  p.end = p.start + (p.precision == Precision::minute ? Millis::duration{minutes{1}}
                                                      : Millis::duration{seconds{1}});
  p.display = civil_display(date.ymd, Precision::day) + ", " + wall->display + " " + suffix;
  return p;
}

Result<Point> parse_point(std::string_view s) {
  if (s.empty()) return invalid("empty date");
  auto date = parse_civil(s, 1);
  if (!date) return date.status();
  const std::size_t pos = date->next;

  if (pos < s.size() && s[pos] == 'T') {
    if (date->precision != Precision::day) return invalid("a time needs a full date YYYY-MM-DD");
    return parse_timed(s, *date);
  }
  if (pos < s.size() && s[pos] == 't')
    return invalid("write the time designator as upper-case 'T'");

  Point p;
  p.precision = date->precision;
  if (pos < s.size()) {
    const std::string_view rest = s.substr(pos);
    if (rest == "~") {
      p.approximate = true;
    } else if (rest == "?") {
      p.uncertain = true;
    } else if (rest == "%" || rest == "~?" || rest == "?~") {
      return invalid("use one qualifier, '~' or '?' ('%' is not supported)");
    } else {
      return invalid("unexpected text after the date: \"" + std::string(rest.substr(0, 16)) + "\"");
    }
  }

  const date::sys_days first{date->ymd};
  date::sys_days after;
  switch (p.precision) {
    case Precision::year:
      after = date::sys_days{(date->ymd.year() + date::years{1}) / date::January / 1};
      break;
    case Precision::month:
      after = date::sys_days{date->ymd + date::months{1}};
      break;
    default:
      after = first + date::days{1};
      break;
  }
  p.start = first;
  p.end = after;
  p.display = civil_display(date->ymd, p.precision);
  if (p.approximate) p.display = "c. " + p.display;
  if (p.uncertain) p.display += "?";
  return p;
}

// The '/' that separates an interval's two parts; a '/' inside [zone] is not one.
std::vector<std::size_t> interval_slashes(std::string_view s) {
  std::vector<std::size_t> found;
  bool in_zone = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[')
      in_zone = true;
    else if (s[i] == ']')
      in_zone = false;
    else if (s[i] == '/' && !in_zone)
      found.push_back(i);
  }
  return found;
}

// Civil fields of a UTC instant, split so both formatters share them.
std::string format_utc(Millis t, bool always_ms) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<milliseconds> tod{t - day};
  char buf[128];
  const long ms = static_cast<long>(tod.subseconds().count());
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                static_cast<long>(tod.seconds().count()));
  std::string out = buf;
  if (always_ms || ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03ld", ms);
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace

std::string_view to_string(Precision p) {
  switch (p) {
    case Precision::year:
      return "year";
    case Precision::month:
      return "month";
    case Precision::day:
      return "day";
    case Precision::minute:
      return "minute";
    case Precision::second:
      return "second";
  }
  return "unknown";
}

Result<Occurred> Occurred::parse(std::string_view text) {
  if (text.empty()) return invalid("empty date");
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
      return invalid("whitespace is not allowed in a date");
  }

  const auto slashes = interval_slashes(text);
  if (slashes.size() > 1) return invalid("an interval has exactly two parts, A/B");

  Occurred o;
  o.text_ = std::string(text);
  if (slashes.empty()) {
    auto p = parse_point(text);
    if (!p) return p.status();
    o.precision_ = p->precision;
    o.approximate_ = p->approximate;
    o.uncertain_ = p->uncertain;
    o.start_ = p->start;
    o.end_ = p->end;
    o.display_ = std::move(p->display);
    return o;
  }

  const std::string_view a_text = text.substr(0, slashes[0]);
  const std::string_view b_text = text.substr(slashes[0] + 1);
  if (a_text.empty() || b_text.empty() || a_text == ".." || b_text == "..")
    return invalid("open intervals are not supported; give both ends, A/B");
  auto a = parse_point(a_text);
  if (!a) return invalid("interval start: " + a.status().message());
  auto b = parse_point(b_text);
  if (!b) return invalid("interval end: " + b.status().message());
  if (b->start < a->start) return invalid("interval end is before its start");

  o.interval_ = true;
  o.precision_ = a->precision;
  o.approximate_ = a->approximate || b->approximate;
  o.uncertain_ = a->uncertain || b->uncertain;
  o.start_ = a->start;
  o.end_ = b->end;
  o.display_ = a->display + " " + std::string(kEnDash) + " " + b->display;
  return o;
}

std::string format_instant(Millis t) { return format_utc(t, false); }

std::string format_instant_ms(Millis t) { return format_utc(t, true); }

std::optional<Millis> parse_instant(std::string_view text) {
  // RFC 3339 §5.6 allows year 0000, and its ABNF (case-insensitive) allows
  // 't' and 'z'; unlike Occurred this reads machine-made query parameters.
  auto date = parse_civil(text, 0);
  if (!date || date->precision != Precision::day) return std::nullopt;
  const date::sys_days day{date->ymd};
  if (date->next == text.size()) return Millis{day};
  if (text[date->next] != 'T' && text[date->next] != 't') return std::nullopt;

  auto wall = parse_wall_time(text, date->next + 1);
  if (!wall || wall->precision != Precision::second) return std::nullopt;
  std::size_t pos = wall->next;
  milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos + n < text.size() && is_digit(text[pos + n])) {
      // Digits past the third are truncated, not rounded: an instant never
      // moves forward past what was written.
      if (n < 3) fraction = fraction * 10 + milliseconds{text[pos + n] - '0'};
      ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) fraction *= 10;
    pos += n;
  }
  if (pos >= text.size()) return std::nullopt;
  std::string_view rest = text.substr(pos);
  if (rest == "z") rest = "Z";
  if (rest[0] != 'Z' && rest[0] != '+' && rest[0] != '-') return std::nullopt;
  auto offset = parse_offset(rest, 0);
  if (!offset || offset->next != rest.size()) return std::nullopt;
  return Millis{day} + wall->since_midnight + fraction - offset->value;
}

std::optional<int> age_at(const Occurred& born, Millis at) { return whole_years(born.start(), at); }

std::optional<int> whole_years(Millis from, Millis at) {
  if (at < from) return std::nullopt;
  const auto from_day = date::floor<date::days>(from);
  const auto at_day = date::floor<date::days>(at);
  const date::year_month_day b{from_day};
  const date::year_month_day a{at_day};
  int years = static_cast<int>(a.year()) - static_cast<int>(b.year());
  // Not yet this year's birthday (month, day, then time of day): one less.
  // A 29 February birthday is therefore reached on 1 March in common years.
  const auto b_key = std::make_tuple(static_cast<unsigned>(b.month()),
                                     static_cast<unsigned>(b.day()), from - from_day);
  const auto a_key = std::make_tuple(static_cast<unsigned>(a.month()),
                                     static_cast<unsigned>(a.day()), at - at_day);
  if (a_key < b_key) --years;
  return years;
}

}  // namespace starlog::domain
