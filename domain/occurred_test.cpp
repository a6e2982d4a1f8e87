// Unit tests for domain/occurred.h: the date forms of docs/events.md#dates, their
// derived fields, the RFC 3339 helpers and age_at.
#include "domain/occurred.h"

#include <date/date.h>
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace starlog::domain {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Expected instants are built with date.h directly so that the tests do not
// lean on parse_instant, which is itself under test.
Millis utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return Millis{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + hours{h} +
         minutes{mi} + seconds{s} + milliseconds{ms};
}

Occurred parsed(std::string_view text) {
  auto r = Occurred::parse(text);
  REQUIRE_MESSAGE(r.ok(), std::string(text) << ": " << r.status().message());
  return *r;
}

// The rejection message, or "" when the text was (wrongly) accepted.
std::string rejection(std::string_view text) {
  auto r = Occurred::parse(text);
  if (r.ok()) return "";
  CHECK(r.status().code() == Code::invalid);
  CHECK_FALSE(r.status().message().empty());
  return r.status().message();
}

void check_rejected(std::string_view text, std::string_view expected_part) {
  INFO("text: ", text);
  const std::string msg = rejection(text);
  REQUIRE_FALSE(msg.empty());
  INFO("message: ", msg);
  CHECK(msg.find(expected_part) != std::string::npos);
}

}  // namespace

TEST_CASE("a year alone has year precision and covers the whole year") {
  const Occurred o = parsed("2021");
  CHECK(o.text() == "2021");
  CHECK(o.precision() == Precision::year);
  CHECK(o.start() == utc(2021, 1, 1));
  CHECK(o.end() == utc(2022, 1, 1));
  CHECK(o.display() == "2021");
  CHECK_FALSE(o.approximate());
  CHECK_FALSE(o.uncertain());
  CHECK_FALSE(o.is_interval());
  CHECK_FALSE(o.has_time());
}

TEST_CASE("a year and month has month precision and covers the calendar month") {
  SUBCASE("August") {
    const Occurred o = parsed("2021-08");
    CHECK(o.precision() == Precision::month);
    CHECK(o.start() == utc(2021, 8, 1));
    CHECK(o.end() == utc(2021, 9, 1));
    CHECK(o.display() == "August 2021");
  }
  SUBCASE("December ends at the next new year") {
    const Occurred o = parsed("2021-12");
    CHECK(o.end() == utc(2022, 1, 1));
    CHECK(o.display() == "December 2021");
  }
  SUBCASE("February of a leap year has 29 days") {
    const Occurred o = parsed("2024-02");
    CHECK(o.end() - o.start() == date::days{29});
  }
}

TEST_CASE("a full date has day precision, covers one UTC day and shows no leading zero") {
  SUBCASE("29 August") {
    const Occurred o = parsed("2021-08-29");
    CHECK(o.precision() == Precision::day);
    CHECK(o.start() == utc(2021, 8, 29));
    CHECK(o.end() == utc(2021, 8, 30));
    CHECK(o.display() == "29 August 2021");
    CHECK_FALSE(o.has_time());
  }
  SUBCASE("first of the month") { CHECK(parsed("2021-08-01").display() == "1 August 2021"); }
  SUBCASE("last day of the year") { CHECK(parsed("2021-12-31").end() == utc(2022, 1, 1)); }
  SUBCASE("leap day of a leap year") {
    CHECK(parsed("2020-02-29").start() == utc(2020, 2, 29));
    CHECK(parsed("2000-02-29").display() == "29 February 2000");
  }
}

TEST_CASE("a time with Z has minute or second precision and shows UTC") {
  SUBCASE("minutes") {
    const Occurred o = parsed("2021-08-27T00:00Z");
    CHECK(o.precision() == Precision::minute);
    CHECK(o.has_time());
    CHECK(o.start() == utc(2021, 8, 27));
    CHECK(o.end() == utc(2021, 8, 27, 0, 1));
    CHECK(o.display() == "27 August 2021, 00:00 UTC");
  }
  SUBCASE("seconds") {
    const Occurred o = parsed("2021-08-26T20:00:05Z");
    CHECK(o.precision() == Precision::second);
    CHECK(o.start() == utc(2021, 8, 26, 20, 0, 5));
    CHECK(o.end() == utc(2021, 8, 26, 20, 0, 6));
    CHECK(o.display() == "26 August 2021, 20:00:05 UTC");
  }
  SUBCASE("seconds that are zero are still shown at second precision") {
    CHECK(parsed("2021-08-26T20:00:00Z").display() == "26 August 2021, 20:00:00 UTC");
  }
}

TEST_CASE("a time with a numeric offset is converted to UTC and shows the offset") {
  SUBCASE("negative offset") {
    const Occurred o = parsed("2021-08-26T20:00-04:00");
    CHECK(o.start() == utc(2021, 8, 27, 0, 0));
    CHECK(o.end() == utc(2021, 8, 27, 0, 1));
    CHECK(o.display() == "26 August 2021, 20:00 UTC-04:00");
  }
  SUBCASE("positive offset with minutes") {
    const Occurred o = parsed("2021-08-26T20:00:30+05:30");
    CHECK(o.precision() == Precision::second);
    CHECK(o.start() == utc(2021, 8, 26, 14, 30, 30));
    CHECK(o.display() == "26 August 2021, 20:00:30 UTC+05:30");
  }
  SUBCASE("zero offset is shown as written") {
    CHECK(parsed("2021-08-26T20:00+00:00").display() == "26 August 2021, 20:00 UTC+00:00");
    CHECK(parsed("2021-08-26T20:00+00:00").start() == utc(2021, 8, 26, 20));
  }
  SUBCASE("the extreme offsets of ±14:00 are accepted") {
    CHECK(parsed("2021-08-26T20:00+14:00").start() == utc(2021, 8, 26, 6));
    CHECK(parsed("2021-08-26T20:00-14:00").start() == utc(2021, 8, 27, 10));
  }
  SUBCASE("the offset may move the instant into another year") {
    CHECK(parsed("2021-12-31T23:00-02:00").start() == utc(2022, 1, 1, 1));
  }
}

TEST_CASE("a local time with only a zone is resolved by the zone's rules") {
  SUBCASE("New York in summer is EDT") {
    const Occurred o = parsed("2021-08-26T20:00[America/New_York]");
    CHECK(o.precision() == Precision::minute);
    CHECK(o.start() == utc(2021, 8, 27, 0, 0));
    CHECK(o.display() == "26 August 2021, 20:00 EDT");
  }
  SUBCASE("New York in winter is EST") {
    const Occurred o = parsed("2021-01-15T09:30:15[America/New_York]");
    CHECK(o.precision() == Precision::second);
    CHECK(o.start() == utc(2021, 1, 15, 14, 30, 15));
    CHECK(o.end() == utc(2021, 1, 15, 14, 30, 16));
    CHECK(o.display() == "15 January 2021, 09:30:15 EST");
  }
  SUBCASE("a half-hour zone") {
    const Occurred o = parsed("2021-08-26T20:00[Asia/Kolkata]");
    CHECK(o.start() == utc(2021, 8, 26, 14, 30));
    CHECK(o.display() == "26 August 2021, 20:00 IST");
  }
  SUBCASE("a numeric tzdb abbreviation is shown as a UTC offset") {
    const Occurred o = parsed("2021-08-26T20:00[Asia/Dubai]");
    CHECK(o.start() == utc(2021, 8, 26, 16));
    CHECK(o.display() == "26 August 2021, 20:00 UTC+04");
  }
  SUBCASE("a zone without an area, such as UTC") {
    CHECK(parsed("2021-08-26T20:00[UTC]").display() == "26 August 2021, 20:00 UTC");
  }
  SUBCASE("a backward-compatible link name") {
    CHECK(parsed("2021-08-26T20:00[US/Eastern]").start() == utc(2021, 8, 27));
  }
}

TEST_CASE("a local time in a DST gap is rejected") {
  SUBCASE("zone only") { check_rejected("2021-03-14T02:30[America/New_York]", "does not exist"); }
  SUBCASE("the first minute of the gap") {
    check_rejected("2021-03-14T02:00[America/New_York]", "does not exist");
  }
  SUBCASE("an offset that would place it in the gap does not agree with the zone") {
    check_rejected("2021-03-14T02:30-05:00[America/New_York]", "does not agree");
    check_rejected("2021-03-14T02:30-04:00[America/New_York]", "does not agree");
  }
  SUBCASE("the minutes either side of the gap are fine") {
    CHECK(parsed("2021-03-14T01:59[America/New_York]").start() == utc(2021, 3, 14, 6, 59));
    CHECK(parsed("2021-03-14T03:00[America/New_York]").start() == utc(2021, 3, 14, 7, 0));
  }
}

TEST_CASE("an ambiguous local time in a DST overlap takes the earlier instant") {
  SUBCASE("zone only takes the daylight-time reading") {
    const Occurred o = parsed("2021-11-07T01:30[America/New_York]");
    CHECK(o.start() == utc(2021, 11, 7, 5, 30));
    CHECK(o.display() == "7 November 2021, 01:30 EDT");
  }
  SUBCASE("an explicit offset chooses the later reading") {
    const Occurred o = parsed("2021-11-07T01:30-05:00[America/New_York]");
    CHECK(o.start() == utc(2021, 11, 7, 6, 30));
    CHECK(o.display() == "7 November 2021, 01:30 EST");
  }
  SUBCASE("an explicit offset can also name the earlier reading") {
    CHECK(parsed("2021-11-07T01:30-04:00[America/New_York]").start() == utc(2021, 11, 7, 5, 30));
  }
}

TEST_CASE("an offset and a zone together must agree at that instant") {
  SUBCASE("agreeing: the display uses the zone's abbreviation") {
    const Occurred o = parsed("2021-08-26T20:00-04:00[America/New_York]");
    CHECK(o.start() == utc(2021, 8, 27));
    CHECK(o.display() == "26 August 2021, 20:00 EDT");
  }
  SUBCASE("agreeing with seconds") {
    const Occurred o = parsed("2021-08-26T20:00:05-04:00[America/New_York]");
    CHECK(o.precision() == Precision::second);
    CHECK(o.display() == "26 August 2021, 20:00:05 EDT");
  }
  SUBCASE("Z agrees with London in winter") {
    const Occurred o = parsed("2021-01-10T12:00Z[Europe/London]");
    CHECK(o.start() == utc(2021, 1, 10, 12));
    CHECK(o.display() == "10 January 2021, 12:00 GMT");
  }
  SUBCASE("disagreeing offsets are rejected") {
    check_rejected("2021-08-26T20:00-05:00[America/New_York]", "does not agree");
    check_rejected("2021-08-26T20:00+02:00[America/New_York]", "does not agree");
    check_rejected("2021-08-26T20:00Z[America/New_York]", "does not agree");
    check_rejected("2021-08-26T20:00Z[Europe/London]", "does not agree");
  }
}

TEST_CASE("a trailing ~ marks a date-only value approximate") {
  SUBCASE("year") {
    const Occurred o = parsed("2021~");
    CHECK(o.approximate());
    CHECK_FALSE(o.uncertain());
    CHECK(o.precision() == Precision::year);
    CHECK(o.start() == utc(2021, 1, 1));
    CHECK(o.end() == utc(2022, 1, 1));
    CHECK(o.display() == "c. 2021");
    CHECK(o.text() == "2021~");
  }
  SUBCASE("month") { CHECK(parsed("2021-08~").display() == "c. August 2021"); }
  SUBCASE("day") { CHECK(parsed("2021-08-29~").display() == "c. 29 August 2021"); }
}

TEST_CASE("a trailing ? marks a date-only value uncertain") {
  SUBCASE("day") {
    const Occurred o = parsed("2021-08-29?");
    CHECK(o.uncertain());
    CHECK_FALSE(o.approximate());
    CHECK(o.start() == utc(2021, 8, 29));
    CHECK(o.display() == "29 August 2021?");
  }
  SUBCASE("month") { CHECK(parsed("2021-08?").display() == "August 2021?"); }
  SUBCASE("year") { CHECK(parsed("2021?").display() == "2021?"); }
}

TEST_CASE("qualifiers other than a single ~ or ? on a date-only value are rejected") {
  SUBCASE("on a time") {
    check_rejected("2021-08-26T20:00Z~", "date-only");
    check_rejected("2021-08-26T20:00Z?", "date-only");
    check_rejected("2021-08-26T20:00[America/New_York]~", "date-only");
  }
  SUBCASE("% (approximate and uncertain) is not supported") {
    check_rejected("2021%", "not supported");
    check_rejected("2021-08-26T20:00Z%", "date-only");
  }
  SUBCASE("two qualifiers") {
    check_rejected("2021~?", "one qualifier");
    check_rejected("2021?~", "one qualifier");
    check_rejected("2021~~", "unexpected text");
  }
  SUBCASE("a qualifier in the middle") {
    CHECK_FALSE(rejection("2021~-08").empty());
    CHECK_FALSE(rejection("2021-?08").empty());
  }
}

TEST_CASE("an interval spans from its start's start to its end's end") {
  SUBCASE("two years") {
    const Occurred o = parsed("2019/2021");
    CHECK(o.is_interval());
    CHECK(o.precision() == Precision::year);
    CHECK(o.start() == utc(2019, 1, 1));
    CHECK(o.end() == utc(2022, 1, 1));
    CHECK(o.display() == "2019 \u2013 2021");
    CHECK(o.text() == "2019/2021");
  }
  SUBCASE("two days") {
    const Occurred o = parsed("2021-08-27/2021-08-29");
    CHECK(o.precision() == Precision::day);
    CHECK(o.start() == utc(2021, 8, 27));
    CHECK(o.end() == utc(2021, 8, 30));
    CHECK(o.display() == "27 August 2021 \u2013 29 August 2021");
  }
  SUBCASE("precision is the start's, even when the end is finer") {
    const Occurred o = parsed("2021-08/2021-08-26T20:00:05Z");
    CHECK(o.precision() == Precision::month);
    CHECK_FALSE(o.has_time());
    CHECK(o.start() == utc(2021, 8, 1));
    CHECK(o.end() == utc(2021, 8, 26, 20, 0, 6));
  }
  SUBCASE("times with zones, whose names contain a slash") {
    const Occurred o = parsed("2021-08-26T20:00[America/New_York]/2021-08-27T02:30[Europe/Paris]");
    CHECK(o.precision() == Precision::minute);
    CHECK(o.has_time());
    CHECK(o.start() == utc(2021, 8, 27, 0, 0));
    CHECK(o.end() == utc(2021, 8, 27, 0, 31));
    CHECK(o.display() == "26 August 2021, 20:00 EDT \u2013 27 August 2021, 02:30 CEST");
  }
  SUBCASE("start and end may be the same value") {
    const Occurred o = parsed("2021-08-29/2021-08-29");
    CHECK(o.start() == utc(2021, 8, 29));
    CHECK(o.end() == utc(2021, 8, 30));
  }
  SUBCASE("an end inside the start's period starts no earlier, so it is accepted") {
    const Occurred o = parsed("2021/2021-03");
    CHECK(o.start() == utc(2021, 1, 1));
    CHECK(o.end() == utc(2021, 4, 1));
  }
}

TEST_CASE("an interval is approximate or uncertain if either end is") {
  SUBCASE("approximate start") {
    const Occurred o = parsed("2019~/2021");
    CHECK(o.approximate());
    CHECK_FALSE(o.uncertain());
    CHECK(o.display() == "c. 2019 \u2013 2021");
  }
  SUBCASE("uncertain end") {
    const Occurred o = parsed("2019/2021-08?");
    CHECK(o.uncertain());
    CHECK_FALSE(o.approximate());
    CHECK(o.display() == "2019 \u2013 August 2021?");
  }
  SUBCASE("both") {
    const Occurred o = parsed("2019~/2021?");
    CHECK(o.approximate());
    CHECK(o.uncertain());
  }
}

TEST_CASE("a malformed or reversed interval is rejected") {
  SUBCASE("end before start") {
    check_rejected("2021/2019", "before its start");
    check_rejected("2021-08-29/2021-08-28", "before its start");
    check_rejected("2021-08-26T20:00Z/2021-08-26T19:59Z", "before its start");
  }
  SUBCASE("end before start only once zones are applied") {
    // 20:00 in New York is after 23:00 in Paris on the same date.
    check_rejected("2021-08-26T20:00[America/New_York]/2021-08-26T23:00[Europe/Paris]",
                   "before its start");
  }
  SUBCASE("an end that starts within but before the start's period") {
    check_rejected("2021-08-29/2021-08", "before its start");
  }
  SUBCASE("open ends") {
    check_rejected("2021/", "open intervals");
    check_rejected("/2021", "open intervals");
    check_rejected("../2021", "open intervals");
    check_rejected("2021/..", "open intervals");
  }
  SUBCASE("three parts") { check_rejected("2019/2020/2021", "exactly two parts"); }
  SUBCASE("a bad part names which end is wrong") {
    check_rejected("2021-13/2022", "interval start: month 13");
    check_rejected("2021/2022-02-29", "interval end: day 29");
  }
}

TEST_CASE("dates that are not on the calendar are rejected") {
  SUBCASE("29 February in a common year") {
    check_rejected("2021-02-29", "day 29 does not exist in February 2021 (it has 28 days)");
    check_rejected("1900-02-29", "does not exist");
  }
  SUBCASE("month 13 and month 00") {
    check_rejected("2021-13", "month 13 is outside 01-12");
    check_rejected("2021-13-01", "month 13");
    check_rejected("2021-00", "month 00");
  }
  SUBCASE("day 32, day 31 in a 30-day month, day 00") {
    check_rejected("2021-08-32", "day 32");
    check_rejected("2021-04-31", "day 31 does not exist in April 2021");
    check_rejected("2021-08-00", "day 00");
  }
}

TEST_CASE("times that are not on the clock are rejected") {
  SUBCASE("hour 24") { check_rejected("2021-08-29T24:00Z", "hour 24 is outside 00-23"); }
  SUBCASE("minute 60") { check_rejected("2021-08-29T20:60Z", "minute 60 is outside 00-59"); }
  SUBCASE("second 60, including a real leap second") {
    check_rejected("2021-08-29T20:00:60Z", "second 60 is outside 00-59");
    check_rejected("2016-12-31T23:59:60Z", "second 60");
  }
}

TEST_CASE("offsets beyond ±14:00 or with 60 or more minutes are rejected") {
  check_rejected("2021-08-29T20:00+14:01", "beyond");
  check_rejected("2021-08-29T20:00-14:30", "beyond");
  check_rejected("2021-08-29T20:00+15:00", "beyond");
  check_rejected("2021-08-29T20:00+99:00", "beyond");
  check_rejected("2021-08-29T20:00+05:60", "offset minutes 60");
}

TEST_CASE("unknown or malformed time zones are rejected") {
  SUBCASE("names the tz database does not know") {
    check_rejected("2021-08-29T20:00[Mars/Olympus_Mons]",
                   "unknown time zone \"Mars/Olympus_Mons\"");
    check_rejected("2021-08-29T20:00[america/new_york]", "unknown time zone");
    check_rejected("2021-08-29T20:00Z[Nowhere/Else]", "unknown time zone");
  }
  SUBCASE("the host's own zone is not a portable name") {
    check_rejected("2021-08-29T20:00[localtime]", "unknown time zone");
  }
  SUBCASE("things that look like paths") {
    check_rejected("2021-08-29T20:00[../../etc/passwd]", "malformed time zone");
    check_rejected("2021-08-29T20:00[/etc/localtime]", "malformed time zone");
  }
  SUBCASE("RFC 9557 tags and critical flags are not supported") {
    check_rejected("2021-08-29T20:00Z[u-ca=iso8601]", "IANA time zone");
    check_rejected("2021-08-29T20:00[!America/New_York]", "IANA time zone");
    check_rejected("2021-08-29T20:00[America/New_York][u-ca=iso8601]", "unexpected text");
  }
  SUBCASE("empty or unclosed brackets") {
    check_rejected("2021-08-29T20:00[]", "malformed time zone");
    check_rejected("2021-08-29T20:00[America/New_York", "not closed");
  }
  SUBCASE("a zone on a date without a time") {
    CHECK_FALSE(rejection("2021-08-29[America/New_York]").empty());
  }
}

TEST_CASE("years outside 0001-9999 are rejected and the bounds are accepted") {
  SUBCASE("year 0000") { check_rejected("0000", "year 0000 is outside 0001-9999"); }
  SUBCASE("five-digit years") {
    check_rejected("10000", "four digits");
    check_rejected("20210-01-01", "four digits");
  }
  SUBCASE("signed years") {
    CHECK_FALSE(rejection("-0001").empty());
    CHECK_FALSE(rejection("+2021").empty());
  }
  SUBCASE("year 0001") {
    const Occurred o = parsed("0001-01-01");
    CHECK(o.start() == utc(1, 1, 1));
    CHECK(o.display() == "1 January 1");
  }
  SUBCASE("year 9999") {
    const Occurred o = parsed("9999");
    CHECK(o.start() == utc(9999, 1, 1));
    CHECK(o.end() == utc(10000, 1, 1));
  }
  SUBCASE("a zone on the earliest day uses the zone's oldest rule") {
    CHECK(Occurred::parse("0001-01-01T00:00[Europe/Paris]").ok());
  }
}

TEST_CASE("only upper-case T and Z are accepted") {
  check_rejected("2021-08-29t20:00Z", "upper-case 'T'");
  check_rejected("2021-08-29T20:00z", "upper-case 'Z'");
  check_rejected("2021-08-29T20:00:00z", "upper-case 'Z'");
}

TEST_CASE("whitespace anywhere is rejected") {
  check_rejected(" 2021", "whitespace");
  check_rejected("2021 ", "whitespace");
  check_rejected("2021-08-29 20:00Z", "whitespace");
  check_rejected("2021-08-29T20:00 Z", "whitespace");
  check_rejected("2021\t", "whitespace");
  check_rejected("2021\n", "whitespace");
  check_rejected("2019 / 2021", "whitespace");
}

TEST_CASE("an empty string is rejected") { check_rejected("", "empty"); }

TEST_CASE("a local time with neither offset nor zone is rejected as ambiguous") {
  check_rejected("2021-08-29T20:00", "needs an offset");
  check_rejected("2021-08-29T20:00:05", "needs an offset");
}

TEST_CASE("fractional seconds are rejected to keep one spelling per value") {
  check_rejected("2021-08-29T20:00:00.5Z", "fractional seconds");
  check_rejected("2021-08-29T20:00:00.000Z", "fractional seconds");
  check_rejected("2021-08-29T20:00:00,5Z", "fractional seconds");
}

TEST_CASE("anything else is rejected") {
  SUBCASE("missing zero padding") {
    check_rejected("2021-8-1", "two-digit month");
    check_rejected("2021-08-1", "two-digit day");
    check_rejected("2021-08-29T8:00Z", "hh:mm");
    check_rejected("2021-08-29T08:5Z", "two-digit minutes");
  }
  SUBCASE("two-digit years") {
    check_rejected("21", "four-digit year");
    check_rejected("21-08-29", "four-digit year");
  }
  SUBCASE("over-long fields") {
    CHECK_FALSE(rejection("2021-008").empty());
    CHECK_FALSE(rejection("2021-08-029").empty());
    CHECK_FALSE(rejection("2021-08-29T020:00Z").empty());
  }
  SUBCASE("a time without minutes or with a short offset") {
    CHECK_FALSE(rejection("2021-08-29T20Z").empty());
    check_rejected("2021-08-29T20:00+04", "±hh:mm");
    check_rejected("2021-08-29T20:00+0400", "±hh:mm");
  }
  SUBCASE("a time on a partial date") { check_rejected("2021-08T20:00Z", "full date"); }
  SUBCASE("a UTC designator on a date") { check_rejected("2021-08-29Z", "unexpected text"); }
  SUBCASE("trailing text") {
    check_rejected("2021-08-29T20:00Zjunk", "unexpected text");
    check_rejected("2021-08-29x", "unexpected text");
    check_rejected("2021-", "two-digit month");
    check_rejected("2021-08-", "two-digit day");
  }
  SUBCASE("other notations") {
    CHECK_FALSE(rejection("29/08/2021").empty());
    CHECK_FALSE(rejection("2021/08/29").empty());
    CHECK_FALSE(rejection("2021-W34").empty());
    CHECK_FALSE(rejection("2021-241").empty());
    CHECK_FALSE(rejection("20210829").empty());
    CHECK_FALSE(rejection("August 2021").empty());
    CHECK_FALSE(rejection("abcd").empty());
    CHECK_FALSE(rejection("2021\xE2\x80\x93"
                          "08")
                    .empty());
    CHECK_FALSE(rejection(std::string_view("2021\0", 5)).empty());
  }
}

TEST_CASE("precisions have stable names and coarser ones compare lower") {
  CHECK(to_string(Precision::year) == "year");
  CHECK(to_string(Precision::month) == "month");
  CHECK(to_string(Precision::day) == "day");
  CHECK(to_string(Precision::minute) == "minute");
  CHECK(to_string(Precision::second) == "second");
  CHECK(Precision::year < Precision::month);
  CHECK(Precision::month < Precision::day);
  CHECK(Precision::day < Precision::minute);
  CHECK(Precision::minute < Precision::second);
}

TEST_CASE("format_instant writes RFC 3339 UTC with milliseconds only when non-zero") {
  CHECK(format_instant(utc(2021, 8, 1)) == "2021-08-01T00:00:00Z");
  CHECK(format_instant(utc(2026, 11, 26, 15, 4, 5, 123)) == "2026-11-26T15:04:05.123Z");
  CHECK(format_instant(utc(2026, 11, 26, 15, 4, 5, 7)) == "2026-11-26T15:04:05.007Z");
  CHECK(format_instant(Millis{}) == "1970-01-01T00:00:00Z");
  SUBCASE("before the epoch") {
    CHECK(format_instant(utc(1969, 12, 31, 23, 59, 59, 999)) == "1969-12-31T23:59:59.999Z");
    CHECK(format_instant(utc(1, 1, 1)) == "0001-01-01T00:00:00Z");
  }
}

TEST_CASE("format_instant_ms always writes three millisecond digits") {
  CHECK(format_instant_ms(utc(2026, 11, 26, 15, 4, 5, 123)) == "2026-11-26T15:04:05.123Z");
  CHECK(format_instant_ms(utc(2021, 8, 1)) == "2021-08-01T00:00:00.000Z");
  CHECK(format_instant_ms(utc(2021, 8, 1, 0, 0, 0, 50)) == "2021-08-01T00:00:00.050Z");
}

TEST_CASE("parse_instant reads RFC 3339 instants") {
  SUBCASE("Z") { CHECK(parse_instant("2026-11-26T15:04:05Z") == utc(2026, 11, 26, 15, 4, 5)); }
  SUBCASE("offsets") {
    CHECK(parse_instant("2026-11-26T15:04:05+02:00") == utc(2026, 11, 26, 13, 4, 5));
    CHECK(parse_instant("2026-11-26T15:04:05-05:30") == utc(2026, 11, 26, 20, 34, 5));
    CHECK(parse_instant("2026-11-26T15:04:05+00:00") == utc(2026, 11, 26, 15, 4, 5));
  }
  SUBCASE("fractions of one to nine digits are truncated to milliseconds") {
    CHECK(parse_instant("2026-11-26T15:04:05.1Z") == utc(2026, 11, 26, 15, 4, 5, 100));
    CHECK(parse_instant("2026-11-26T15:04:05.12Z") == utc(2026, 11, 26, 15, 4, 5, 120));
    CHECK(parse_instant("2026-11-26T15:04:05.123Z") == utc(2026, 11, 26, 15, 4, 5, 123));
    CHECK(parse_instant("2026-11-26T15:04:05.1239Z") == utc(2026, 11, 26, 15, 4, 5, 123));
    CHECK(parse_instant("2026-11-26T15:04:05.999999999Z") == utc(2026, 11, 26, 15, 4, 5, 999));
    CHECK(parse_instant("2026-11-26T15:04:05.5+01:00") == utc(2026, 11, 26, 14, 4, 5, 500));
  }
  SUBCASE("a bare date is midnight UTC") {
    CHECK(parse_instant("2026-11-26") == utc(2026, 11, 26));
  }
  SUBCASE("lower-case t and z, as RFC 3339 permits") {
    CHECK(parse_instant("2026-11-26t15:04:05z") == utc(2026, 11, 26, 15, 4, 5));
  }
}

TEST_CASE("parse_instant returns nullopt for anything that is not an RFC 3339 instant") {
  const char* bad[] = {"",
                       "2026",
                       "2026-11",
                       "2026-11-26T15:04Z",
                       "2026-11-26T15:04:05",
                       "2026-11-26T15:04:05.Z",
                       "2026-11-26T15:04:05.1234567891Z",
                       "2026-11-26T15:04:05ZZ",
                       "2026-11-26T15:04:05+0200",
                       "2026-11-26T15:04:05+15:00",
                       "2026-11-26T15:04:60Z",
                       "2026-11-26T24:00:00Z",
                       "2026-02-29T00:00:00Z",
                       "2026-11-26 15:04:05Z",
                       " 2026-11-26T15:04:05Z",
                       "2026-11-26T15:04:05Z ",
                       "2026-11-26T15:04:05[America/New_York]",
                       "2026-11-26~",
                       "1732633445",
                       "now"};
  for (const char* text : bad) {
    INFO("text: ", text);
    CHECK_FALSE(parse_instant(text).has_value());
  }
}

TEST_CASE("format_instant and parse_instant round-trip") {
  const Millis samples[] = {
      utc(2021, 8, 1),
      utc(2026, 11, 26, 15, 4, 5, 123),
      utc(2026, 11, 26, 15, 4, 5, 1),
      utc(1969, 12, 31, 23, 59, 59, 999),
      utc(2000, 2, 29, 12),
      utc(1, 1, 1),
      utc(9999, 12, 31, 23, 59, 59, 999),
      Millis{},
  };
  for (const Millis t : samples) {
    INFO("instant: ", format_instant_ms(t));
    CHECK(parse_instant(format_instant(t)) == t);
    CHECK(parse_instant(format_instant_ms(t)) == t);
  }
  SUBCASE("an Occurred's start and end survive the trip") {
    const Occurred o = parsed("0001-01-01T00:00+14:00");
    CHECK(format_instant(o.start()) == "0000-12-31T10:00:00Z");
    CHECK(parse_instant(format_instant(o.start())) == o.start());
  }
}

TEST_CASE("age_at counts whole years, one less until the birthday is reached") {
  const Occurred born = parsed("1977-06-08");
  SUBCASE("after the birthday") { CHECK(age_at(born, utc(2021, 8, 29)) == 44); }
  SUBCASE("the day before the birthday") {
    CHECK(age_at(born, utc(2021, 6, 7, 23, 59, 59, 999)) == 43);
  }
  SUBCASE("on the birthday") { CHECK(age_at(born, utc(2021, 6, 8)) == 44); }
  SUBCASE("the day after the birthday") { CHECK(age_at(born, utc(2021, 6, 9)) == 44); }
  SUBCASE("at birth") { CHECK(age_at(born, born.start()) == 0); }
  SUBCASE("the day before the first birthday") { CHECK(age_at(born, utc(1978, 6, 7)) == 0); }
  SUBCASE("before birth") {
    CHECK_FALSE(age_at(born, utc(1977, 6, 7, 23, 59)).has_value());
    CHECK_FALSE(age_at(born, utc(1900, 1, 1)).has_value());
  }
}

TEST_CASE("age_at uses the start of a coarse or timed birth date") {
  SUBCASE("a birth year counts from 1 January") {
    const Occurred born = parsed("1977~");
    CHECK(age_at(born, utc(2021, 1, 1)) == 44);
    CHECK(age_at(born, utc(2020, 12, 31)) == 43);
  }
  SUBCASE("a birth time counts to the millisecond") {
    const Occurred born = parsed("1977-06-08T10:00Z");
    CHECK(age_at(born, utc(2021, 6, 8, 9, 59, 59, 999)) == 43);
    CHECK(age_at(born, utc(2021, 6, 8, 10)) == 44);
  }
}

TEST_CASE("age_at reaches a 29 February birthday on 1 March in common years") {
  const Occurred born = parsed("2000-02-29");
  CHECK(age_at(born, utc(2021, 2, 28)) == 20);
  CHECK(age_at(born, utc(2021, 3, 1)) == 21);
  CHECK(age_at(born, utc(2024, 2, 28)) == 23);
  CHECK(age_at(born, utc(2024, 2, 29)) == 24);
}

TEST_CASE("parsing is safe from several threads at once") {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&failures] {
      for (int n = 0; n < 200; ++n) {
        auto a = Occurred::parse("2021-08-26T20:00[America/New_York]");
        auto b = Occurred::parse("2021-11-07T01:30[Europe/Paris]/2022?");
        if (!a.ok() || a->display() != "26 August 2021, 20:00 EDT" || !b.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
}

}  // namespace starlog::domain
