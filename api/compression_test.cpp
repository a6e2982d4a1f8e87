#include "api/compression.h"

#include <doctest/doctest.h>

namespace starlog::api {
namespace {

TEST_CASE("Accept-Encoding is read with q-values") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("deflate, GZIP;q=0.5"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("*"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.0, *"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=nonsense"));
}

TEST_CASE("gzip round-trips and is deterministic") {
  const std::string text(5000, 'a');
  auto packed = gzip(text);
  REQUIRE(packed);
  CHECK(packed->size() < text.size());
  CHECK(static_cast<unsigned char>((*packed)[0]) == 0x1f);
  CHECK(static_cast<unsigned char>((*packed)[1]) == 0x8b);
  CHECK(gzip(text) == packed);
  CHECK(gunzip(*packed) == text);
  CHECK_FALSE(gunzip("not gzip"));
}

TEST_CASE("only worthwhile answers are compressed, and every compressible one says Vary") {
  Request req{http::verb::get, "/", 11};
  req.set(http::field::accept_encoding, "gzip");
  auto make = [](std::size_t size, std::string_view type = kJsonContentType) {
    Response res{http::status::ok, 11};
    res.set(http::field::content_type, type);
    res.body() = std::string(size, 'x');
    res.prepare_payload();
    return res;
  };
  Response big = make(2000);
  compress_if_accepted(req, big);
  CHECK(big[http::field::content_encoding] == "gzip");
  CHECK(big[http::field::vary] == "Accept-Encoding");
  CHECK(big[http::field::content_length] == std::to_string(big.body().size()));

  Response small = make(1024);
  compress_if_accepted(req, small);
  CHECK(small[http::field::content_encoding] == "");
  CHECK(small[http::field::vary] == "Accept-Encoding");

  Response image = make(5000, "image/png");
  compress_if_accepted(req, image);
  CHECK(image[http::field::content_encoding] == "");
  CHECK(image[http::field::vary] == "");

  Response vary_origin = make(5000);
  vary_origin.set(http::field::vary, "Origin");
  compress_if_accepted(req, vary_origin);
  CHECK(vary_origin[http::field::vary] == "Origin, Accept-Encoding");

  Request no_gzip{http::verb::get, "/", 11};
  Response plain = make(5000);
  compress_if_accepted(no_gzip, plain);
  CHECK(plain[http::field::content_encoding] == "");
  CHECK(plain.body().size() == 5000);
}

}  // namespace
}  // namespace starlog::api
