#include "projections/row_codec.h"

#include <doctest/doctest.h>

namespace starlog::projections {
namespace {

TEST_CASE("a row value comes back as it was written, and is smaller than its JSON text") {
  const Json row = {{"fact_id", "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00"},
                    {"role", "subject"},
                    {"type", "album_released"},
                    {"start", 1630195200000},
                    {"end", 1630281600000},
                    {"retracted", false},
                    {"quote", "line one\nline \"two\" – ünïcödé"},
                    {"aliases", Json::array({"Ye", "Kanye Omari West"})},
                    {"born", nullptr}};
  const std::string bytes = encode_row(row);
  CHECK(decode_row(bytes) == row);
  CHECK(decode_row_or_discarded(bytes) == row);
  CHECK(bytes.size() < row.dump().size());
}

TEST_CASE("equal values encode to the same bytes, whatever order their keys were set in") {
  Json a, b;
  a["x"] = 1;
  a["y"] = "two";
  b["y"] = "two";
  b["x"] = 1;
  CHECK(encode_row(a) == encode_row(b));
}

TEST_CASE("bytes that are not one MessagePack value are refused, not guessed") {
  for (const std::string& bad : {std::string(), std::string("\xc1"), std::string("\x92\x01"),
                                 encode_row(Json{{"a", 1}}) + "x"}) {
    CAPTURE(bad.size());
    CHECK_THROWS_AS(decode_row(bad), Json::exception);
    CHECK(decode_row_or_discarded(bad).is_discarded());
  }
}

}  // namespace
}  // namespace starlog::projections
