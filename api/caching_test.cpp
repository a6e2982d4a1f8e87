#include "api/caching.h"

#include <doctest/doctest.h>

namespace starlog::api {
namespace {

Request with_if_none_match(std::string_view value) {
  Request req{http::verb::get, "/", 11};
  req.set(http::field::if_none_match, value);
  return req;
}

TEST_CASE(
    "derived ETags differ by revision, code version, path and query, not by parameter order") {
  RouteParams a;
  a.path = {{"id", "kanye-west"}};
  a.query = {{"limit", "5"}, {"order", "desc"}};
  const std::string tag = derived_etag("timeline", 7, 1, a);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(derived_etag("timeline", 7, 1, a) == tag);
  CHECK(derived_etag("timeline", 8, 1, a) != tag);
  CHECK(derived_etag("timeline", 7, 2, a) != tag);
  RouteParams b = a;
  b.path["id"] = "jay-z";
  CHECK(derived_etag("timeline", 7, 1, b) != tag);
  RouteParams c = a;
  c.query.erase("limit");
  CHECK(derived_etag("timeline", 7, 1, c) != tag);
  // "a=1b" vs "a1=b": length prefixes keep them apart.
  RouteParams d, e;
  d.query = {{"a", "1b"}};
  e.query = {{"a1", "b"}};
  CHECK(derived_etag("x", 1, 1, d) != derived_etag("x", 1, 1, e));
}

TEST_CASE("If-None-Match: lists, weak comparison, *") {
  const std::string tag = "\"t-1-abc\"";
  CHECK(if_none_match_hits(with_if_none_match(tag), tag));
  CHECK(if_none_match_hits(with_if_none_match("\"x\", " + tag), tag));
  CHECK(if_none_match_hits(with_if_none_match("W/" + tag), tag));
  CHECK(if_none_match_hits(with_if_none_match("*"), tag));
  CHECK_FALSE(if_none_match_hits(with_if_none_match("\"t-1-ab\""), tag));
  CHECK_FALSE(if_none_match_hits(Request{http::verb::get, "/", 11}, tag));
}

TEST_CASE("a 304 has the validator and no body") {
  Request req{http::verb::get, "/", 11};
  Response res = not_modified(req, "\"a\"");
  CHECK(res.result() == http::status::not_modified);
  CHECK(res[http::field::etag] == "\"a\"");
  CHECK(res[http::field::cache_control] == "no-cache");
  CHECK(res.body().empty());
}

}  // namespace
}  // namespace starlog::api
