#include "api/body_cache.h"

#include <doctest/doctest.h>

#include "api/compression.h"

namespace starlog::api {
namespace {

Response ok_json(std::string body) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::link, "</next>; rel=\"next\"");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Request get(bool gzip) {
  Request req{http::verb::get, "/x", 11};
  if (gzip) req.set(http::field::accept_encoding, "gzip, br");
  return req;
}

TEST_CASE("a stored answer comes back byte for byte, gzip only for clients that accept it") {
  BodyCache cache;
  const std::string big(5000, 'a');
  CHECK(cache.find("\"t-1\"") == nullptr);
  cache.store("\"t-1\"", ok_json(big), {http::field::link});
  auto hit = cache.find("\"t-1\"");
  REQUIRE(hit != nullptr);

  Response plain = BodyCache::respond(get(false), *hit);
  CHECK(plain.result() == http::status::ok);
  CHECK(plain.body() == big);
  CHECK(plain[http::field::content_type] == "application/json");
  CHECK(plain[http::field::link] == "</next>; rel=\"next\"");
  CHECK(plain[http::field::vary] == "Accept-Encoding");
  CHECK(plain.find(http::field::content_encoding) == plain.end());

  Response zipped = BodyCache::respond(get(true), *hit);
  CHECK(zipped[http::field::content_encoding] == "gzip");
  CHECK(zipped.body().size() < big.size());
  CHECK(gunzip(zipped.body()) == big);
  CHECK(zipped[http::field::content_length] == std::to_string(zipped.body().size()));

  const auto stats = cache.stats();
  CHECK(stats.hits == 1);
  CHECK(stats.misses == 1);
  CHECK(stats.entries == 1);
}

TEST_CASE("small answers have no gzip variant; errors are never stored") {
  BodyCache cache;
  cache.store("small", ok_json("{}"));
  auto hit = cache.find("small");
  REQUIRE(hit != nullptr);
  CHECK_FALSE(hit->gzip.has_value());
  CHECK(BodyCache::respond(get(true), *hit).body() == "{}");

  Response missing{http::status::not_found, 11};
  missing.body() = "{}";
  cache.store("missing", missing);
  CHECK(cache.find("missing") == nullptr);
}

TEST_CASE("the cache holds at most its byte budget, dropping the least recently used first") {
  BodyCache cache(40'000);
  const std::string body(900, 'x');  // under the gzip threshold: ~1 KiB an entry
  for (int i = 0; i < 30; ++i) cache.store("k" + std::to_string(i), ok_json(body));
  CHECK(cache.find("k0") != nullptr);  // used: now the most recent
  for (int i = 30; i < 60; ++i) cache.store("k" + std::to_string(i), ok_json(body));
  CHECK(cache.stats().bytes <= 40'000);
  CHECK(cache.find("k0") != nullptr);
  CHECK(cache.find("k1") == nullptr);
  CHECK(cache.find("k59") != nullptr);
}

}  // namespace
}  // namespace starlog::api
