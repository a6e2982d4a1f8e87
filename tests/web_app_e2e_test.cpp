// The web app as the real `starlog serve` ships it: the files `make` built
// into the web folder beside the binary, served at / and at every page's
// address; GET /v1/whoami, which its sign-in uses; and a server pointed at
// a folder without the app, which serves the API and says what is missing.
// The app's flows in a real browser are web/tests/browser.test.mjs.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/cli.h"
#include "tests/support/command.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

TEST_CASE("the binary serves the built web app at / and at every page's address") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"), {"--demo", demo_dir()});
  HttpClient c = server.client();
  auto shell = c.get("/");
  REQUIRE(shell.status == 200);
  CHECK(shell.header("content-type") == "text/html; charset=utf-8");
  CHECK(shell.body.find("/app/main.js") != std::string::npos);
  CHECK(shell.header("content-security-policy").find("default-src 'self'") != std::string::npos);
  for (const char* page :
       {"/celebrities/kanye-west", "/facts/6e28ddb6-9d1d-4be7-9e50-15e8bb9c05f3", "/findings",
        "/audit", "/sign-in", "/celebrities/kanye-west/timelinejs"}) {
    CAPTURE(page);
    auto r = c.get(page);
    CHECK(r.status == 200);
    CHECK(r.body == shell.body);
  }
  // The app's code and TimelineJS, from this server (no CDN).
  auto js = c.get("/app/main.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(c.get("/app/main.js", {{"If-None-Match", js.header("etag")}}).status == 304);
  auto tl = c.get("/app/timelinejs/js/timeline.js", {{"Accept-Encoding", "gzip"}});
  CHECK(tl.status == 200);
  CHECK(tl.header("content-encoding") == "gzip");
  CHECK(c.get("/app/timelinejs/css/timeline.css").status == 200);
  auto missing = c.get("/app/no-such-file.js");
  CHECK(missing.status == 404);
  CHECK(missing.header("content-type") == "application/problem+json");
}

TEST_CASE("GET /v1/whoami names the token's holder and role, and refuses without a valid one") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  const std::string editor = create_token(db, "erin", "editor");
  const std::string auditor = create_token(db, "audrey", "auditor");
  ServerProcess server(db);
  HttpClient c = server.client();
  auto e = c.get("/v1/whoami", bearer(editor));
  REQUIRE(e.status == 200);
  CHECK(e.json() == Json{{"name", "erin"}, {"role", "editor"}, {"may", {"read", "append"}}});
  CHECK(e.header("cache-control") == "no-store");
  CHECK(c.get("/v1/whoami", bearer(auditor)).json().at("may") == Json{"read", "audit"});
  auto anonymous = c.get("/v1/whoami");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("www-authenticate") == "Bearer");
  auto wrong = c.get("/v1/whoami", bearer("stl_" + std::string(43, 'A')));
  CHECK(wrong.status == 401);
  CHECK(wrong.json().at("detail") == "the bearer token is unknown");
  CHECK(run_starlog({"token", "revoke", "erin", "--db", db}).exit_code == 0);
  CHECK(c.get("/v1/whoami", bearer(editor)).status == 401);
}

TEST_CASE("a server without the app's files serves the API and says where it looked") {
  TempDir dir;
  const std::string nowhere = dir.file("no-web-here");
  ServerProcess server(dir.file("starlog.db"), {"--web-root", nowhere});
  HttpClient c = server.client();
  auto r = c.get("/");
  CHECK(r.status == 404);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.json().at("detail").get<std::string>().find(nowhere) != std::string::npos);
  CHECK(c.get("/v1/celebrities").status == 200);
  CHECK(server.output().find("no web app in " + nowhere) != std::string::npos);
}

}  // namespace
}  // namespace starlog::test
