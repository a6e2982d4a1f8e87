// The OpenAPI document (api/openapi.json, served as GET /openapi.json) is
// complete: every route the server routes is in it and the reverse, every
// problem type and event type the code knows is documented, and every
// query parameter a handler reads is documented somewhere. New routes,
// types and parameters fail these tests until they are documented.
// (Its validity is checked by third-party tools: tests/openapi/, ctest
// "openapi_document".)
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "domain/event_types.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot read " << path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::filesystem::path kSource = STARLOG_SOURCE_DIR;

Json document() { return Json::parse(slurp(kSource / "api/openapi.json")); }

// The C++ sources of the HTTP layer (not tests).
std::string api_sources() {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(kSource / "api")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".cpp" && !name.ends_with("_test.cpp"))
      all += slurp(entry.path());
  }
  return all;
}

std::set<std::string> matches(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    out.insert((*it)[1].str());
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "\n  " + x;
  return out;
}

TEST_CASE("GET /openapi.json serves api/openapi.json as it is, cacheably") {
  TempDir dir;
  ServerProcess server(dir.file("s.db"));
  HttpClient client = server.client();
  auto r = client.get("/openapi.json");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").starts_with("application/json"));
  CHECK(r.body == slurp(kSource / "api/openapi.json"));
  CHECK(r.json().at("openapi") == "3.1.0");
  CHECK(client.get("/openapi.json", {{"If-None-Match", r.header("etag")}}).status == 304);
}

TEST_CASE(
    "every route the router knows is in the document, and every documented operation is routed") {
  TempDir dir;
  const std::string out = dir.file("routes.txt");
  const std::string cmd = "'" + ServerProcess::binary() + "' serve --list-routes --db '" +
                          dir.file("s.db") + "' >'" + out + "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::set<std::string> routed;
  std::istringstream lines(slurp(out));
  for (std::string line; std::getline(lines, line);) {
    // The web app routes each of its files (GET /app/main.js, ...): the
    // document describes them as one path.
    if (line.starts_with("GET /app/")) line = "GET /app/{path}";
    if (!line.empty()) routed.insert(line);
  }
  REQUIRE(routed.size() >= 10);

  std::set<std::string> documented;
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  const Json doc = document();  // alive while iterating (no temporary in the range)
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + path);
    }
  }
  std::set<std::string> undocumented, unrouted;
  for (const auto& r : routed)
    if (!documented.count(r)) undocumented.insert(r);
  for (const auto& d : documented)
    if (!routed.count(d)) unrouted.insert(d);
  CHECK_MESSAGE(undocumented.empty(), "routed but not in api/openapi.json:" << join(undocumented));
  CHECK_MESSAGE(unrouted.empty(), "in api/openapi.json but not routed:" << join(unrouted));
}

TEST_CASE("every problem type the code answers is documented, and only those") {
  const std::string code = api_sources();
  // Answered: a problem of the type is built somewhere (not just a row of
  // the table in api/problem.cpp, which is written `{ProblemType::x, ...`).
  std::set<std::string> used;
  for (std::string s :
       matches(code, std::regex(R"re((?:problem|storage_failure)\(\s*ProblemType::(\w+))re"))) {
    for (char& c : s)
      if (c == '_') c = '-';
    used.insert(s);
  }
  REQUIRE(used.count("validation-failed") == 1);
  REQUIRE(used.count("storage-corrupt") == 1);

  std::set<std::string> documented;
  const std::string base = "https://starlog.dev/problems/";
  const Json doc = document();
  for (const auto& t : doc.at("components").at("schemas").at("ProblemType").at("oneOf")) {
    const std::string uri = t.at("const");
    REQUIRE(uri.starts_with(base));
    documented.insert(uri.substr(base.size()));
  }
  std::set<std::string> missing, stale;
  for (const auto& u : used)
    if (!documented.count(u)) missing.insert(u);
  for (const auto& d : documented)
    if (!used.count(d)) stale.insert(d);
  CHECK_MESSAGE(missing.empty(), "problem types missing from ProblemType:" << join(missing));
  CHECK_MESSAGE(stale.empty(), "documented problem types the code never answers:" << join(stale));
}

TEST_CASE("every event type has its request and stored schema in the document") {
  const Json doc = document();
  const Json& schemas = doc.at("components").at("schemas");
  std::set<std::string> known, in_new, in_stored, in_enum;
  for (const auto& t : domain::all_event_types()) known.emplace(t.name);
  for (const auto& [type, ref] : schemas.at("NewEvent").at("discriminator").at("mapping").items())
    in_new.insert(type);
  for (const auto& [type, ref] : schemas.at("Envelope").at("discriminator").at("mapping").items())
    in_stored.insert(type);
  for (const auto& t : schemas.at("EventType").at("enum")) in_enum.insert(t.get<std::string>());
  CHECK(in_new == known);
  CHECK(in_stored == known);
  CHECK(in_enum == known);
}

TEST_CASE("every query parameter a handler reads is documented") {
  const std::string code = api_sources();
  std::set<std::string> read = matches(code, std::regex(R"re(query_value\(\s*"([a-z_]+)"\s*\))re"));
  for (const auto& s : matches(code, std::regex(R"re(int_param\(\s*req,\s*p,\s*"([a-z_]+)")re")))
    read.insert(s);
  for (const auto& s : matches(code, std::regex(R"re(query\.find\(\s*"([a-z_]+)"\s*\))re")))
    read.insert(s);
  for (const char* name : {"from", "to"}) read.insert(name);  // read in a loop over names
  REQUIRE(read.count("limit") == 1);

  std::set<std::string> documented;
  const Json doc = document();
  auto add = [&](const Json& params) {
    for (const auto& p : params) {
      if (p.contains("$ref")) continue;
      if (p.at("in") == "query") documented.insert(p.at("name").get<std::string>());
    }
  };
  for (const auto& [path, item] : doc.at("paths").items()) {
    if (item.contains("parameters")) add(item["parameters"]);
    for (const auto& [method, op] : item.items()) {
      if (op.is_object() && op.contains("parameters")) add(op["parameters"]);
    }
  }
  for (const auto& [name, p] : doc.at("components").at("parameters").items()) {
    if (p.at("in") == "query") documented.insert(p.at("name").get<std::string>());
  }
  std::set<std::string> missing;
  for (const auto& r : read)
    if (!documented.count(r)) missing.insert(r);
  CHECK_MESSAGE(missing.empty(),
                "query parameters read by handlers but documented nowhere:" << join(missing));
}

}  // namespace
}  // namespace starlog::test
