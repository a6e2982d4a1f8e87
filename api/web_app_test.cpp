#include "api/web_app.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace starlog;
using namespace starlog::api;

namespace {

// A directory of its own under the system's temporary directory, removed
// with everything in it at the end of the test.
struct AppDir {
  std::filesystem::path path;
  AppDir() {
    path = std::filesystem::temp_directory_path() /
           ("starlog-web-app-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path / "pages");
  }
  ~AppDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& body) const {
    std::ofstream(path / rel, std::ios::binary) << body;
  }
};

Response get(const Router& r, std::string target, std::string if_none_match = "") {
  Request req{http::verb::get, target, 11};
  if (!if_none_match.empty()) req.set(http::field::if_none_match, if_none_match);
  return r.dispatch(req);
}

}  // namespace

TEST_CASE("the web app's files are served from memory, the shell at every page's address") {
  AppDir dir;
  dir.write("index.html", "<!doctype html><title>Starlog</title>");
  dir.write("main.js", "export const x = 1;");
  dir.write("pages/timeline.js", "export {};");
  dir.write(".built", "");
  auto app = WebApp::load(dir.path);
  REQUIRE(app.ok());
  CHECK(app->installed());
  CHECK(app->paths() == std::vector<std::string>{"index.html", "main.js", "pages/timeline.js"});
  Router router;
  app->add_routes(router);

  for (const char* page :
       {"/", "/celebrities/kanye-west", "/celebrities/kanye-west/timelinejs",
        "/facts/6e28ddb6-9d1d-4be7-9e50-15e8bb9c05f3", "/findings", "/audit", "/sign-in"}) {
    CAPTURE(page);
    const Response res = get(router, page);
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(res.body() == "<!doctype html><title>Starlog</title>");
    CHECK(std::string(res["Content-Security-Policy"]).starts_with("default-src 'self'"));
    CHECK(res[http::field::cache_control] == "no-cache");
  }
  const Response js = get(router, "/app/pages/timeline.js");
  CHECK(js.result() == http::status::ok);
  CHECK(js[http::field::content_type] == "text/javascript; charset=utf-8");
  CHECK(js["X-Content-Type-Options"] == "nosniff");
  const std::string etag(js[http::field::etag]);
  CHECK(etag.starts_with("\"app-"));
  CHECK(get(router, "/app/pages/timeline.js", etag).result() == http::status::not_modified);
  CHECK(get(router, "/app/main.js", etag).result() == http::status::ok);  // another file's tag

  // Only the files themselves: no hidden file, no way out of the directory.
  CHECK(get(router, "/app/.built").result() == http::status::not_found);
  CHECK(get(router, "/app/../index.html").result() == http::status::not_found);
  CHECK(get(router, "/app/%2e%2e/%2e%2e/etc/passwd").result() == http::status::not_found);
  CHECK(get(router, "/app/pages").result() == http::status::not_found);
  CHECK(get(router, "/celebrities/kanye-west/other").result() == http::status::not_found);
}

TEST_CASE("without its files the shell is a 404 problem that says where they were looked for") {
  AppDir dir;
  auto app = WebApp::load(dir.path / "missing");
  REQUIRE(app.ok());
  CHECK_FALSE(app->installed());
  Router router;
  app->add_routes(router);
  const Response res = get(router, "/");
  CHECK(res.result() == http::status::not_found);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(res.body().find((dir.path / "missing").string()) != std::string::npos);
}

TEST_CASE("media types by extension") {
  CHECK(WebApp::content_type_of("a.css") == "text/css; charset=utf-8");
  CHECK(WebApp::content_type_of("timelinejs/css/icons/tl-icons.woff2") == "font/woff2");
  CHECK(WebApp::content_type_of("icons.svg") == "image/svg+xml");
  CHECK(WebApp::content_type_of("locale/en.json") == "application/json; charset=utf-8");
  CHECK(WebApp::content_type_of("LICENSE") == "application/octet-stream");
}
