#include "api/router.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <utility>
#include <vector>

using namespace starlog;
using namespace starlog::api;

namespace {

Request make_request(http::verb method, std::string target) {
  Request req{method, target, 11};
  return req;
}

// A handler that echoes what it matched, so tests see which route ran.
RouteHandler echo(std::string name) {
  return [name](const Request& req, const RouteParams& p) {
    Json params = Json::object();
    for (const auto& [k, v] : p.path) params[k] = v;
    Json query = Json::object();
    for (const auto& [k, v] : p.query) query[k] = v;
    return json_response(http::status::ok, {{"route", name}, {"params", params}, {"query", query}},
                         req);
  };
}

Json body_of(const Response& res) { return Json::parse(res.body()); }

// Router mechanics are tested on public routes; the guard has its own tests below.
constexpr auto kOpen = domain::Permission::none;

Router make_router() {
  Router r;
  r.add(http::verb::get, "/healthz", kOpen, echo("healthz"));
  r.add(http::verb::get, "/v1/celebrities", kOpen, echo("list"));
  r.add(http::verb::get, "/v1/celebrities/{id}", kOpen, echo("celebrity"));
  r.add(http::verb::get, "/v1/celebrities/{id}/events", kOpen, echo("events.get"));
  r.add(http::verb::post, "/v1/celebrities/{id}/events", kOpen, echo("events.post"));
  r.add(http::verb::get, "/v1/events/{position}", kOpen, echo("event"));
  r.add(http::verb::get, "/v1/events/live", kOpen, echo("live"));
  r.add(http::verb::delete_, "/v1/events/{position}", kOpen, echo("event.delete"));
  r.add(http::verb::get, "/boom", kOpen, [](const Request&, const RouteParams&) -> Response {
    throw std::runtime_error("handler bug");
  });
  r.add(http::verb::get, "/boom/unknown", kOpen,
        [](const Request&, const RouteParams&) -> Response { throw 42; });
  return r;
}

}  // namespace

TEST_CASE("a literal path is routed to its handler") {
  const Router r = make_router();
  const Response res = r.dispatch(make_request(http::verb::get, "/healthz"));
  CHECK(res.result() == http::status::ok);
  CHECK(body_of(res)["route"] == "healthz");
}

TEST_CASE("path parameters are captured by name and decoded") {
  const Router r = make_router();
  const Response res =
      r.dispatch(make_request(http::verb::post, "/v1/celebrities/kanye%2Dwest/events"));
  const Json body = body_of(res);
  CHECK(body["route"] == "events.post");
  CHECK(body["params"] == Json{{"id", "kanye-west"}});
}

TEST_CASE("query parameters reach the handler and do not affect matching") {
  const Router r = make_router();
  const Json body =
      body_of(r.dispatch(make_request(http::verb::get, "/v1/celebrities?q=kan+ye&limit=5")));
  CHECK(body["route"] == "list");
  CHECK(body["query"] == Json{{"q", "kan ye"}, {"limit", "5"}});
}

TEST_CASE("RouteParams gives path and query values by name") {
  RouteParams p;
  p.path["id"] = "jay-z";
  p.query["limit"] = "3";
  CHECK(p.param("id") == "jay-z");
  CHECK_THROWS_AS(p.param("nope"), std::out_of_range);
  CHECK(p.query_value("limit") == "3");
  CHECK_FALSE(p.query_value("cursor"));
}

TEST_CASE("a literal segment wins over a parameter") {
  const Router r = make_router();
  CHECK(body_of(r.dispatch(make_request(http::verb::get, "/v1/events/live")))["route"] == "live");
  CHECK(body_of(r.dispatch(make_request(http::verb::get, "/v1/events/17")))["route"] == "event");
}

TEST_CASE("the method picks the most specific route that has it") {
  const Router r = make_router();
  // "/v1/events/live" has only GET; DELETE falls through to the parameter route.
  const Json body = body_of(r.dispatch(make_request(http::verb::delete_, "/v1/events/live")));
  CHECK(body["route"] == "event.delete");
  CHECK(body["params"]["position"] == "live");
}

TEST_CASE("an unknown path is a 404 problem") {
  const Router r = make_router();
  for (const char* target :
       {"/nope", "/v1/celebrities/x/y/z", "/v1/celebrities/", "/", "/v1//events"}) {
    CAPTURE(target);
    const Response res = r.dispatch(make_request(http::verb::get, target));
    CHECK(res.result() == http::status::not_found);
    CHECK(res[http::field::content_type] == "application/problem+json");
    CHECK(body_of(res)["type"] == "https://starlog.dev/problems/not-found");
  }
}

TEST_CASE("a known path with the wrong method is a 405 with Allow") {
  const Router r = make_router();
  SUBCASE("GET and POST on the same pattern") {
    const Response res =
        r.dispatch(make_request(http::verb::put, "/v1/celebrities/kanye-west/events"));
    CHECK(res.result() == http::status::method_not_allowed);
    CHECK(res[http::field::allow] == "GET, HEAD, POST");
    CHECK(body_of(res)["type"] == "https://starlog.dev/problems/method-not-allowed");
  }
  SUBCASE("Allow covers every pattern that matches the path") {
    const Response res = r.dispatch(make_request(http::verb::post, "/v1/events/live"));
    CHECK(res.result() == http::status::method_not_allowed);
    CHECK(res[http::field::allow] == "DELETE, GET, HEAD");
  }
}

TEST_CASE("HEAD is answered like GET without a body") {
  const Router r = make_router();
  const Response get = r.dispatch(make_request(http::verb::get, "/v1/celebrities/jay-z"));
  const Response head = r.dispatch(make_request(http::verb::head, "/v1/celebrities/jay-z"));
  CHECK(head.result() == http::status::ok);
  CHECK(head.body().empty());
  CHECK(head[http::field::content_length] == std::to_string(get.body().size()));
  CHECK(head[http::field::content_type] == get[http::field::content_type]);
}

TEST_CASE("an explicit HEAD route takes precedence over the implicit one") {
  Router r;
  r.add(http::verb::get, "/x", kOpen, echo("get"));
  r.add(http::verb::head, "/x", kOpen, [](const Request& req, const RouteParams&) {
    Response res{http::status::no_content, req.version()};
    return res;
  });
  CHECK(r.dispatch(make_request(http::verb::head, "/x")).result() == http::status::no_content);
}

TEST_CASE("an exception escaping a handler becomes a 500 problem") {
  const Router r = make_router();
  for (const char* target : {"/boom", "/boom/unknown"}) {
    CAPTURE(target);
    const Response res = r.dispatch(make_request(http::verb::get, target));
    CHECK(res.result() == http::status::internal_server_error);
    const Json body = body_of(res);
    CHECK(body["type"] == "https://starlog.dev/problems/internal-error");
    CHECK(body["detail"].get<std::string>().find("handler bug") == std::string::npos);
  }
}

TEST_CASE("a broken query is a 400 naming the parameter, before the handler runs") {
  const Router r = make_router();
  const Response res = r.dispatch(make_request(http::verb::get, "/v1/celebrities?limit=1&limit=2"));
  CHECK(res.result() == http::status::bad_request);
  const Json body = body_of(res);
  CHECK(body["type"] == "https://starlog.dev/problems/invalid-parameter");
  CHECK(body["parameter"] == "limit");
}

TEST_CASE("a badly escaped path is a 400") {
  const Router r = make_router();
  CHECK(r.dispatch(make_request(http::verb::get, "/v1/celebrities/%zz")).result() ==
        http::status::bad_request);
  CHECK(r.dispatch(make_request(http::verb::get, "*")).result() == http::status::bad_request);
}

TEST_CASE("routes() lists every added route in order") {
  Router r;
  r.add(http::verb::get, "/a", kOpen, echo("a"));
  r.add(http::verb::post, "/a/{id}", kOpen, echo("b"));
  const auto routes = r.routes();
  REQUIRE(routes.size() == 2);
  CHECK(routes[0] == std::pair{http::verb::get, std::string("/a")});
  CHECK(routes[1] == std::pair{http::verb::post, std::string("/a/{id}")});
}

TEST_CASE("bad or clashing patterns are refused at set-up") {
  Router r;
  r.add(http::verb::get, "/a/{id}", kOpen, echo("a"));
  CHECK_THROWS_AS(r.add(http::verb::get, "/a/{other}", kOpen, echo("b")), std::logic_error);
  CHECK_NOTHROW(r.add(http::verb::post, "/a/{other}", kOpen, echo("c")));
  CHECK_THROWS_AS(r.add(http::verb::get, "a", kOpen, echo("d")), std::invalid_argument);
  CHECK_THROWS_AS(r.add(http::verb::get, "/b/{", kOpen, echo("d")), std::invalid_argument);
  CHECK_THROWS_AS(r.add(http::verb::get, "/b/{}", kOpen, echo("d")), std::invalid_argument);
  CHECK_THROWS_AS(r.add(http::verb::get, "/b/x{y}", kOpen, echo("d")), std::invalid_argument);
  CHECK_THROWS_AS(r.add(http::verb::get, "/b/{x}/{x}", kOpen, echo("d")), std::invalid_argument);
}

TEST_CASE("without a guard only public routes run; the others are 401 with WWW-Authenticate") {
  Router r;
  r.add(http::verb::get, "/open", kOpen, echo("open"));
  r.add(http::verb::get, "/read", domain::Permission::read, echo("read"));
  r.add(http::verb::post, "/write", domain::Permission::append, echo("write"));
  CHECK(r.dispatch(make_request(http::verb::get, "/open")).result() == http::status::ok);
  for (auto [m, path] :
       {std::pair{http::verb::get, "/read"}, std::pair{http::verb::post, "/write"}}) {
    const Response res = r.dispatch(make_request(m, path));
    CHECK(res.result() == http::status::unauthorized);
    CHECK(res[http::field::www_authenticate] == "Bearer");
  }
}

TEST_CASE("the guard sees each route's permission and either answers or passes a principal on") {
  Router r;
  r.add(http::verb::get, "/read", domain::Permission::read, echo("read"));
  r.add(http::verb::post, "/write", domain::Permission::append,
        [](const Request& req, const RouteParams& p) {
          return json_response(http::status::ok, {{"by", p.principal ? p.principal->name : "?"}},
                               req);
        });
  std::vector<domain::Permission> seen;
  r.set_guard([&seen](const Request& req, domain::Permission needed,
                      RouteParams& p) -> std::optional<Response> {
    seen.push_back(needed);
    if (needed == domain::Permission::append) {
      p.principal = domain::Principal{"alice", domain::Role::editor};
      return std::nullopt;
    }
    return json_response(http::status::forbidden, Json::object(), req);
  });
  CHECK(r.dispatch(make_request(http::verb::get, "/read")).result() == http::status::forbidden);
  const Response w = r.dispatch(make_request(http::verb::post, "/write"));
  CHECK(w.result() == http::status::ok);
  CHECK(body_of(w)["by"] == "alice");
  // HEAD is guarded like GET and still carries no body.
  const Response h = r.dispatch(make_request(http::verb::head, "/read"));
  CHECK(h.result() == http::status::forbidden);
  CHECK(h.body().empty());
  CHECK(seen == std::vector{domain::Permission::read, domain::Permission::append,
                            domain::Permission::read});
  // Unknown paths and wrong methods are answered before the guard is asked.
  CHECK(r.dispatch(make_request(http::verb::get, "/nothing")).result() == http::status::not_found);
  CHECK(r.dispatch(make_request(http::verb::delete_, "/read")).result() ==
        http::status::method_not_allowed);
  CHECK(seen.size() == 3);
  CHECK(r.permission(http::verb::post, "/write") == domain::Permission::append);
  CHECK_FALSE(r.permission(http::verb::get, "/write").has_value());
}
