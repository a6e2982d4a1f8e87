#include "api/query.h"

#include <doctest/doctest.h>

using namespace starlog::api;

TEST_CASE("a target splits at the first question mark") {
  CHECK(split_target("/v1/events?after=3&x=?").path == "/v1/events");
  CHECK(split_target("/v1/events?after=3&x=?").query == "after=3&x=?");
  CHECK(split_target("/healthz").query.empty());
  CHECK(split_target("/healthz?").query.empty());
}

TEST_CASE("percent-decoding turns escapes into bytes and rejects broken ones") {
  CHECK(percent_decode("kanye%2Dwest", false) == "kanye-west");
  CHECK(percent_decode("a%2fb", false) == "a/b");
  CHECK(percent_decode("Beyonc%C3%A9", false) == "Beyonc\xC3\xA9");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");

  SUBCASE("truncated or non-hex escapes") {
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("abc%4", false));
    CHECK_FALSE(percent_decode("%zz", false));
    CHECK_FALSE(percent_decode("%4g", false));
  }
  SUBCASE("NUL and invalid UTF-8") {
    CHECK_FALSE(percent_decode("a%00b", false));
    CHECK_FALSE(percent_decode("%FF", false));
    CHECK_FALSE(percent_decode("%C3", false));           // truncated sequence
    CHECK_FALSE(percent_decode("%C0%AF", false));        // overlong '/'
    CHECK_FALSE(percent_decode("%ED%A0%80", false));     // UTF-16 surrogate
    CHECK_FALSE(percent_decode("%F4%90%80%80", false));  // above U+10FFFF
  }
}

TEST_CASE("query parameters are decoded into a map") {
  const ParsedQuery q =
      parse_query("q=kanye+west&limit=10&types=album_released%2Csong_released&include");
  REQUIRE(q.ok());
  CHECK(q.params.size() == 4);
  CHECK(q.params.at("q") == "kanye west");
  CHECK(q.params.at("limit") == "10");
  CHECK(q.params.at("types") == "album_released,song_released");
  CHECK(q.params.at("include").empty());
}

TEST_CASE("empty pairs in a query are skipped") {
  const ParsedQuery q = parse_query("&a=1&&b=&");
  REQUIRE(q.ok());
  CHECK(q.params.size() == 2);
  CHECK(q.params.at("b").empty());
  CHECK(parse_query("").params.empty());
}

TEST_CASE("a repeated query key is an error naming the key") {
  const ParsedQuery q = parse_query("limit=1&limit=500");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error->parameter == "limit");
  CHECK(q.error->message.find("more than once") != std::string::npos);
}

TEST_CASE("a badly escaped query value is an error naming the key") {
  const ParsedQuery q = parse_query("from=2021%2&to=x");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error->parameter == "from");
  CHECK_FALSE(parse_query("%zz=1").ok());
  CHECK_FALSE(parse_query("=1").ok());
}

TEST_CASE("a path splits into decoded segments") {
  using V = std::vector<std::string>;
  CHECK(split_path("/") == V{});
  CHECK(split_path("/v1/celebrities/kanye-west") == V{"v1", "celebrities", "kanye-west"});
  CHECK(split_path("/v1/facts/a%2Fb") == V{"v1", "facts", "a/b"});
  CHECK(split_path("/a//b/") == V{"a", "", "b", ""});
  CHECK(split_path("/a+b") == V{"a+b"});
  CHECK_FALSE(split_path(""));
  CHECK_FALSE(split_path("v1/events"));
  CHECK_FALSE(split_path("/v1/%G0"));
}
