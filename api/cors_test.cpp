#include "api/cors.h"

#include <doctest/doctest.h>

namespace starlog::api {
namespace {

TEST_CASE("--cors-origin values are serialized origins or *") {
  CHECK(Cors::normalize_origin("http://localhost:3000") == "http://localhost:3000");
  CHECK(Cors::normalize_origin("HTTPS://Fans.Example.com/") == "https://fans.example.com");
  CHECK(Cors::normalize_origin("*") == "*");
  CHECK_FALSE(Cors::normalize_origin("localhost:3000"));
  CHECK_FALSE(Cors::normalize_origin("http://example.com/app"));
  CHECK_FALSE(Cors::normalize_origin("https://"));
  CHECK_FALSE(Cors::normalize_origin("ftp://example.com"));
}

TEST_CASE("only listed origins are allowed; * allows all") {
  Cors some({"http://localhost:3000"});
  CHECK(some.allow_origin("http://localhost:3000") == "http://localhost:3000");
  CHECK_FALSE(some.allow_origin("http://localhost:3001"));
  CHECK_FALSE(some.allow_origin(""));
  Cors any({"*"});
  CHECK(any.allow_origin("http://anything.example") == "*");
  CHECK_FALSE(Cors().enabled());
}

TEST_CASE("OPTIONS takes the path's methods from the router") {
  Router router;
  router.add(http::verb::get, "/v1/things/{id}", domain::Permission::none,
             [](const Request& req, const RouteParams&) {
               return Response{http::status::ok, req.version()};
             });
  router.add(http::verb::post, "/v1/things/{id}", domain::Permission::none,
             [](const Request& req, const RouteParams&) {
               return Response{http::status::ok, req.version()};
             });
  Cors cors({"http://localhost:3000"});
  Request pre{http::verb::options, "/v1/things/a", 11};
  pre.set(http::field::origin, "http://localhost:3000");
  pre.set(http::field::access_control_request_method, "POST");
  auto res = cors.options(pre, router);
  REQUIRE(res);
  CHECK(res->result() == http::status::no_content);
  CHECK((*res)[http::field::access_control_allow_methods] == "GET, HEAD, POST, OPTIONS");
  CHECK((*res)[http::field::access_control_allow_origin] == "http://localhost:3000");

  Request unknown{http::verb::options, "/v1/nothing", 11};
  CHECK(cors.options(unknown, router)->result() == http::status::not_found);
  Request get{http::verb::get, "/v1/things/a", 11};
  CHECK_FALSE(cors.options(get, router));
}

}  // namespace
}  // namespace starlog::api
