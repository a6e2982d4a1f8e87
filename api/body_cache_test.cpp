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
  Response first = cache.store(get(false), "\"t-1\"", ok_json(big), {http::field::link});
  CHECK(first.body() == big);
  auto hit = cache.find("\"t-1\"");
  REQUIRE(hit != nullptr);

  Response plain = cache.respond(get(false), "\"t-1\"", hit);
  CHECK(plain.result() == http::status::ok);
  CHECK(plain.body() == big);
  CHECK(plain[http::field::content_type] == "application/json");
  CHECK(plain[http::field::link] == "</next>; rel=\"next\"");
  CHECK(plain[http::field::vary] == "Accept-Encoding");
  CHECK(plain.find(http::field::content_encoding) == plain.end());

  Response zipped = cache.respond(get(true), "\"t-1\"", hit);
  CHECK(zipped[http::field::content_encoding] == "gzip");
  CHECK(zipped.body().size() < big.size());
  CHECK(gunzip(zipped.body()) == big);
  CHECK(zipped[http::field::content_length] == std::to_string(zipped.body().size()));

  const auto stats = cache.stats();
  CHECK(stats.hits == 1);
  CHECK(stats.bytes > static_cast<std::int64_t>(big.size()));
  CHECK(stats.misses == 1);
  CHECK(stats.entries == 1);
}

TEST_CASE("small answers have no gzip variant; errors are never stored") {
  BodyCache cache;
  cache.store(get(true), "small", ok_json("{}"));
  auto hit = cache.find("small");
  REQUIRE(hit != nullptr);
  CHECK_FALSE(hit->gzip.has_value());
  CHECK(cache.respond(get(true), "small", hit).body() == "{}");

  Response missing{http::status::not_found, 11};
  missing.body() = "{}";
  CHECK(cache.store(get(false), "missing", missing).result() == http::status::not_found);
  CHECK(cache.find("missing") == nullptr);
}

TEST_CASE("the cache holds at most its byte budget, dropping the least recently used first") {
  BodyCache cache(40'000);
  const std::string body(900, 'x');  // under the gzip threshold: ~1 KiB an entry
  for (int i = 0; i < 30; ++i) cache.store(get(true), "k" + std::to_string(i), ok_json(body));
  CHECK(cache.find("k0") != nullptr);  // used: now the most recent
  for (int i = 30; i < 60; ++i) cache.store(get(true), "k" + std::to_string(i), ok_json(body));
  CHECK(cache.stats().bytes <= 40'000);
  CHECK(cache.find("k0") != nullptr);
  CHECK(cache.find("k1") == nullptr);
  CHECK(cache.find("k59") != nullptr);
}

TEST_CASE("the gzip variant is made once, by the first client that accepts gzip") {
  BodyCache cache;
  const std::string big(5000, 'b');
  // Built for a client without gzip: nothing is compressed.
  cache.store(get(false), "id", ok_json(big));
  CHECK_FALSE(cache.find("id")->gzip.has_value());
  // The first gzip client makes the variant, and the entry keeps it.
  Response zipped = cache.respond(get(true), "id", cache.find("id"));
  CHECK(zipped[http::field::content_encoding] == "gzip");
  CHECK(gunzip(zipped.body()) == big);
  auto kept = cache.find("id");
  REQUIRE(kept->gzip.has_value());
  CHECK(*kept->gzip == zipped.body());
  CHECK(cache.stats().bytes > static_cast<std::int64_t>(big.size() + kept->gzip->size()));
  // Built for a gzip client: compressed at once, and sent compressed.
  Response built = cache.store(get(true), "other", ok_json(big));
  CHECK(built[http::field::content_encoding] == "gzip");
  CHECK(gunzip(built.body()) == big);
  CHECK(cache.find("other")->gzip.has_value());
  // A HEAD keeps the identity headers.
  Request head{http::verb::head, "/x", 11};
  head.set(http::field::accept_encoding, "gzip");
  Response head_answer = cache.respond(head, "id", cache.find("id"));
  CHECK(head_answer.find(http::field::content_encoding) == head_answer.end());
  CHECK(head_answer.body() == big);  // the router strips it, after Content-Length
}

}  // namespace
}  // namespace starlog::api
