#include "domain/text.h"

#include <doctest/doctest.h>

#include <limits>

namespace starlog::domain {
namespace {

TEST_CASE("trim_blanks drops spaces and tabs at both ends only") {
  CHECK(trim_blanks("  a b\t") == "a b");
  CHECK(trim_blanks("\t\t") == "");
  CHECK(trim_blanks("") == "");
  CHECK(trim_blanks("x") == "x");
  CHECK(trim_blanks("\nx\n") == "\nx\n");  // only HTTP's blanks
}

TEST_CASE("parse_int64 takes the whole text as a decimal integer, or nothing") {
  CHECK(parse_int64("0") == 0);
  CHECK(parse_int64("42") == 42);
  CHECK(parse_int64("-7") == -7);
  CHECK(parse_int64("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  for (const char* bad :
       {"", " 1", "1 ", "+1", "1x", "0x10", "1.0", "1e3", "--1", "9223372036854775808", "abc"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_int64(bad).has_value());
  }
}

TEST_CASE("parse_int64 with bounds refuses what lies outside them") {
  CHECK(parse_int64("1", 1, 256) == 1);
  CHECK(parse_int64("256", 1, 256) == 256);
  CHECK_FALSE(parse_int64("0", 1, 256).has_value());
  CHECK_FALSE(parse_int64("257", 1, 256).has_value());
  CHECK_FALSE(parse_int64("x", 1, 256).has_value());
}

TEST_CASE("parse_number takes finite decimal numbers only") {
  CHECK(parse_number("0.5") == 0.5);
  CHECK(parse_number("1e3") == 1000.0);
  CHECK(parse_number("-2") == -2.0);
  CHECK(parse_number("600") == 600.0);
  for (const char* bad : {"", " 1", "1 ", "inf", "nan", "1e999", "0.5q", "+1", "."}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_number(bad).has_value());
  }
}

}  // namespace
}  // namespace starlog::domain
