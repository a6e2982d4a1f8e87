// Occurred: the valid time of a fact (docs/events.md#dates), parsed from text.
//
// Accepted forms (a subset of ISO 8601 / EDTF level 1 / RFC 9557):
//   YYYY | YYYY-MM | YYYY-MM-DD                      precision year, month, day
//   YYYY-MM-DDThh:mm[:ss] with Z or ±hh:mm, and/or an IANA zone suffix
//   [Area/Location] (both must agree)               precision minute, second
//   a trailing ~ (approximate) or ? (uncertain) on date-only forms
//   A/B, an interval of two of the above, B not before A
// Date-only values are civil dates read as UTC. A local time with only a zone
// is resolved by the zone's rules (tz database of the OS): a time that does
// not exist there is rejected, an ambiguous one takes the earlier instant.
//
// Value type; immutable; safe to share between threads once built.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace starlog::domain {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

// Coarser precisions compare lower: year < month < day < minute < second.
enum class Precision { year = 0, month = 1, day = 2, minute = 3, second = 4 };

std::string_view to_string(Precision p);  // "year", "month", "day", "minute", "second"

class Occurred {
 public:
  // Parses `text`. On failure returns Status::invalid whose message says what
  // is wrong (the caller adds the JSON pointer of the field).
  static Result<Occurred> parse(std::string_view text);

  const std::string& text() const { return text_; }
  // For an interval: the precision of its start.
  Precision precision() const { return precision_; }
  bool approximate() const { return approximate_; }
  bool uncertain() const { return uncertain_; }
  bool is_interval() const { return interval_; }
  bool has_time() const { return precision_ >= Precision::minute; }
  // The period [start, end) in UTC; end is exclusive: "2021-08" covers
  // 2021-08-01T00:00:00Z .. 2021-09-01T00:00:00Z, "20:00:00" covers one second.
  Millis start() const { return start_; }
  Millis end() const { return end_; }
  // Human form: "29 August 2021", "August 2021", "2021", "c. 2021" (approximate),
  // "2021?" (uncertain), "26 August 2021, 20:00 EDT" (zone abbreviation when a
  // zone was given, else the offset as "UTC-04:00", "UTC" for Z), and
  // "A – B" for an interval ("27–29 August 2021" style is not required).
  const std::string& display() const { return display_; }

 private:
  std::string text_;
  Precision precision_ = Precision::day;
  bool approximate_ = false;
  bool uncertain_ = false;
  bool interval_ = false;
  Millis start_{};
  Millis end_{};
  std::string display_;
};

// RFC 3339 UTC with seconds and a Z, milliseconds only when non-zero:
// "2021-08-01T00:00:00Z", "2026-11-26T15:04:05.123Z".
std::string format_instant(Millis t);
// Always with milliseconds: "2026-11-26T15:04:05.123Z" (recorded_at).
std::string format_instant_ms(Millis t);
// Parses an RFC 3339 instant ("2026-11-26T15:04:05Z", fraction and offset
// allowed). nullopt when it is not one.
std::optional<Millis> parse_instant(std::string_view text);

// Whole years from `born` (its start) to `at`; nullopt if `at` is before born.
std::optional<int> age_at(const Occurred& born, Millis at);
// Whole years from `from` to `at` (birthdays counted as age_at does);
// nullopt when `at` is before `from`.
std::optional<int> whole_years(Millis from, Millis at);

}  // namespace starlog::domain
