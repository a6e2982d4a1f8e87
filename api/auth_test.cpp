#include "api/auth.h"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>

#include "domain/clock.h"
#include "store/memory_token_store.h"

using namespace starlog;
using namespace starlog::api;
using domain::Permission;
using domain::Role;

namespace {

// A router whose routes answer with the caller's name, guarded by an
// Authenticator over an in-memory token store holding one token per role
// and one revoked token.
struct Fixture {
  explicit Fixture(bool private_reads = false) : auth(tokens, AuthOptions{private_reads}) {
    for (Role r : {Role::reader, Role::editor, Role::auditor, Role::admin})
      secrets[r] = add(std::string(domain::to_string(r)), r);
    revoked = add("gone", Role::admin);
    REQUIRE(tokens.revoke("gone").is_ok());
    auto who = [](const Request& req, const RouteParams& p) {
      return json_response(http::status::ok,
                           {{"by", p.principal ? Json(p.principal->name) : Json(nullptr)}}, req);
    };
    router.add(http::verb::get, "/healthz", Permission::none, who);
    router.add(http::verb::get, "/read", Permission::read, who);
    router.add(http::verb::post, "/append", Permission::append, who);
    router.add(http::verb::get, "/audit", Permission::audit, who);
    router.add(http::verb::post, "/admin", Permission::admin, who);
    router.set_guard(auth.guard());
  }

  std::string add(const std::string& name, Role role) {
    auto secret = domain::generate_secret();
    REQUIRE(secret.ok());
    REQUIRE(tokens.create(name, role, domain::secret_hash(*secret)).is_ok());
    return *secret;
  }

  Response call(http::verb method, const std::string& target,
                const std::string& authorization = "") {
    Request req{method, target, 11};
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    return router.dispatch(req);
  }
  Response call_as(Role role, http::verb method, const std::string& target) {
    return call(method, target, "Bearer " + secrets.at(role));
  }

  domain::FakeClock clock{domain::Millis(std::chrono::milliseconds(1'700'000'000'000))};
  store::MemoryTokenStore tokens{clock};
  Authenticator auth;
  Router router;
  std::map<Role, std::string> secrets;
  std::string revoked;
};

Json body_of(const Response& res) { return Json::parse(res.body()); }

void check_unauthorized(const Response& res, bool invalid_token) {
  CHECK(res.result() == http::status::unauthorized);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(body_of(res).at("type") == "https://starlog.dev/problems/unauthorized");
  CHECK(body_of(res).at("status") == 401);
  CHECK(res[http::field::www_authenticate] ==
        (invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer"));
}

}  // namespace

TEST_CASE("each role reaches exactly the routes its permissions allow; the rest is 403") {
  Fixture f;
  struct Case {
    http::verb method;
    const char* target;
    Permission needed;
  };
  const Case cases[] = {{http::verb::get, "/read", Permission::read},
                        {http::verb::post, "/append", Permission::append},
                        {http::verb::get, "/audit", Permission::audit},
                        {http::verb::post, "/admin", Permission::admin}};
  for (Role r : {Role::reader, Role::editor, Role::auditor, Role::admin}) {
    for (const Case& c : cases) {
      CAPTURE(domain::to_string(r));
      CAPTURE(c.target);
      const Response res = f.call_as(r, c.method, c.target);
      if (domain::allows(r, c.needed)) {
        CHECK(res.result() == http::status::ok);
        CHECK(body_of(res).at("by") == domain::to_string(r));
      } else {
        CHECK(res.result() == http::status::forbidden);
        CHECK(res[http::field::content_type] == "application/problem+json");
        CHECK(body_of(res).at("type") == "https://starlog.dev/problems/forbidden");
        CHECK(body_of(res).at("status") == 403);
      }
    }
  }
}

TEST_CASE("anonymous callers read on an open server and get 401 for everything else") {
  Fixture f;
  const Response read = f.call(http::verb::get, "/read");
  CHECK(read.result() == http::status::ok);
  CHECK(body_of(read).at("by").is_null());
  check_unauthorized(f.call(http::verb::post, "/append"), false);
  check_unauthorized(f.call(http::verb::get, "/audit"), false);
  check_unauthorized(f.call(http::verb::post, "/admin"), false);
}

TEST_CASE("a private server wants a token for reads too, but not for health") {
  Fixture f(/*private_reads=*/true);
  check_unauthorized(f.call(http::verb::get, "/read"), false);
  CHECK(f.call_as(Role::reader, http::verb::get, "/read").result() == http::status::ok);
  CHECK(f.call(http::verb::get, "/healthz").result() == http::status::ok);
}

TEST_CASE("a bad credential is 401 invalid_token even where anonymous reads are allowed") {
  Fixture f;
  std::string unknown = "Bearer stl_";
  unknown.append(43, 'A');
  for (const std::string& header :
       {unknown, "Bearer " + f.revoked, std::string("Bearer"), std::string("Bearer   "),
        std::string("Bearer not-a-token"), std::string("Basic YWxpY2U6c2VjcmV0"),
        "Token " + f.secrets.at(Role::admin), "Bearer " + f.secrets.at(Role::admin) + "x"}) {
    CAPTURE(header);
    check_unauthorized(f.call(http::verb::get, "/read", header), true);
    check_unauthorized(f.call(http::verb::post, "/append", header), true);
  }
}

TEST_CASE("a problem never echoes the secret it was sent") {
  Fixture f;
  const std::string secret = f.secrets.at(Role::reader);
  for (const Response& res : {f.call(http::verb::post, "/append", "Bearer " + secret),
                              f.call(http::verb::get, "/read", "Bearer " + f.revoked),
                              f.call(http::verb::get, "/read", "Bearer " + secret + "x")}) {
    CHECK(res.body().find(secret) == std::string::npos);
    CHECK(res.body().find(f.revoked) == std::string::npos);
  }
}

TEST_CASE("the scheme is case-insensitive and surrounding spaces are ignored") {
  Fixture f;
  const std::string& s = f.secrets.at(Role::editor);
  CHECK(f.call(http::verb::post, "/append", "bearer " + s).result() == http::status::ok);
  CHECK(f.call(http::verb::post, "/append", "BEARER  " + s + " ").result() == http::status::ok);
}

TEST_CASE("two Authorization headers are refused") {
  Fixture f;
  Request req{http::verb::get, "/read", 11};
  req.insert(http::field::authorization, "Bearer " + f.secrets.at(Role::reader));
  req.insert(http::field::authorization, "Bearer " + f.secrets.at(Role::admin));
  check_unauthorized(f.router.dispatch(req), true);
}

TEST_CASE("revocation applies to the very next request") {
  Fixture f;
  CHECK(f.call_as(Role::editor, http::verb::post, "/append").result() == http::status::ok);
  REQUIRE(f.tokens.revoke("editor").is_ok());
  check_unauthorized(f.call_as(Role::editor, http::verb::post, "/append"), true);
  check_unauthorized(f.call_as(Role::editor, http::verb::get, "/read"), true);
}

TEST_CASE("as_of and as_of_position turn a read into an audit read") {
  Fixture f;
  for (const char* q : {"/read?as_of=2021-01-01T00:00:00Z", "/read?as_of_position=3"}) {
    CAPTURE(q);
    check_unauthorized(f.call(http::verb::get, q), false);
    CHECK(f.call_as(Role::reader, http::verb::get, q).result() == http::status::forbidden);
    CHECK(f.call_as(Role::editor, http::verb::get, q).result() == http::status::forbidden);
    CHECK(f.call_as(Role::auditor, http::verb::get, q).result() == http::status::ok);
    CHECK(f.call_as(Role::admin, http::verb::get, q).result() == http::status::ok);
  }
  RouteParams p;
  p.query["as_of"] = "x";
  CHECK(Authenticator::effective_permission(Permission::read, p) == Permission::audit);
  CHECK(Authenticator::effective_permission(Permission::append, p) == Permission::append);
  CHECK(Authenticator::effective_permission(Permission::none, p) == Permission::none);
}

TEST_CASE("public routes ignore the Authorization header entirely") {
  Fixture f;
  CHECK(f.call(http::verb::get, "/healthz", "Bearer garbage").result() == http::status::ok);
}
