#include "api/json_guard.h"

#include <doctest/doctest.h>

#include <string>

using starlog::api::json_nests_deeper_than;
using starlog::api::kMaxJsonDepth;

namespace {
std::string nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}
}  // namespace

TEST_CASE("bodies within the nesting limit pass the guard") {
  CHECK_FALSE(json_nests_deeper_than("", kMaxJsonDepth));
  CHECK_FALSE(json_nests_deeper_than(R"({"a":[1,{"b":2}]})", 3));
  CHECK_FALSE(json_nests_deeper_than(nested(kMaxJsonDepth), kMaxJsonDepth));
}

TEST_CASE("bodies nested past the limit are caught without parsing") {
  CHECK(json_nests_deeper_than(nested(kMaxJsonDepth + 1), kMaxJsonDepth));
  CHECK(json_nests_deeper_than(nested(100000, '{', '}'), kMaxJsonDepth));
  CHECK(json_nests_deeper_than(std::string(100000, '['), kMaxJsonDepth));  // unterminated
}

TEST_CASE("brackets inside strings, escaped quotes included, do not count") {
  CHECK_FALSE(json_nests_deeper_than(R"(["[[[[", "\"[[[[\\", "{{{{"])", 1));
  CHECK(json_nests_deeper_than(R"(["\"", [[]]])", 2));
}
