#include "api/problem.h"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "api/openapi.h"

using namespace starlog;
using namespace starlog::api;

namespace {

Request make_request() {
  Request req{http::verb::post, "/v1/celebrities/kanye-west/events?x=1", 11};
  return req;
}

Json body_of(const Response& res) { return Json::parse(res.body()); }

}  // namespace

TEST_CASE("a problem response carries the RFC 9457 members and media type") {
  const Request req = make_request();
  const Response res =
      problem(ProblemType::not_found, "no such celebrity", req, Json{{"celebrity", "x"}});
  CHECK(res.result() == http::status::not_found);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  const Json body = body_of(res);
  CHECK(body["type"] == "https://starlog.dev/problems/not-found");
  CHECK(body["title"] == "Not found");
  CHECK(body["status"] == 404);
  CHECK(body["detail"] == "no such celebrity");
  CHECK(body["celebrity"] == "x");
}

TEST_CASE("extension members cannot override the standard ones") {
  const Response res =
      problem(ProblemType::conflict, "d", make_request(), Json{{"status", 200}, {"type", "evil"}});
  const Json body = body_of(res);
  CHECK(body["status"] == 409);
  CHECK(body["type"] == "https://starlog.dev/problems/conflict");
}

TEST_CASE("a problem answers in the request's HTTP version and keep-alive wish") {
  Request req = make_request();
  req.version(10);
  req.keep_alive(false);
  const Response res = problem(ProblemType::malformed_request, "d", req);
  CHECK(res.version() == 10);
  CHECK_FALSE(res.keep_alive());
}

TEST_CASE("invalid_parameter names the parameter") {
  const Response res = invalid_parameter("limit", "limit must be 1-500", make_request());
  CHECK(res.result() == http::status::bad_request);
  const Json body = body_of(res);
  CHECK(body["type"] == "https://starlog.dev/problems/invalid-parameter");
  CHECK(body["parameter"] == "limit");
}

TEST_CASE("each Status code maps to its HTTP status and problem type") {
  struct Case {
    Status status;
    http::status http;
    std::string slug;
  };
  const Case cases[] = {
      {Status::malformed("not JSON"), http::status::bad_request, "malformed-request"},
      {Status::invalid("bad"), http::status::unprocessable_entity, "validation-failed"},
      {Status::not_found("gone"), http::status::not_found, "not-found"},
      {Status::conflict("retracted"), http::status::conflict, "conflict"},
      {Status::duplicate_id("dup"), http::status::conflict, "duplicate-event-id"},
      {Status::precondition_failed("stale", 3, 4), http::status::precondition_failed,
       "precondition-failed"},
      {Status::storage_full("full"), http::status::insufficient_storage, "storage-full"},
      {Status::corrupt("bad page"), http::status::internal_server_error, "storage-corrupt"},
      {Status::io_error("EIO"), http::status::internal_server_error, "storage-error"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.slug);
    const Response res = problem_from_status(c.status, make_request());
    CHECK(res.result() == c.http);
    CHECK(res[http::field::content_type] == "application/problem+json");
    const Json body = body_of(res);
    CHECK(body["type"] == "https://starlog.dev/problems/" + c.slug);
    CHECK(body["status"] == static_cast<int>(c.http));
    CHECK(body["title"].is_string());
    CHECK(body["detail"].is_string());
  }
}

TEST_CASE("client-facing Status messages become the detail") {
  const Json body =
      body_of(problem_from_status(Status::not_found("no celebrity kanye-west"), make_request()));
  CHECK(body["detail"] == "no celebrity kanye-west");
}

TEST_CASE("storage failures do not leak their message to the client") {
  const Json body = body_of(problem_from_status(
      Status::io_error("/srv/data/starlog.db: disk I/O error"), make_request()));
  CHECK(body["detail"].get<std::string>().find("/srv/data") == std::string::npos);
}

TEST_CASE("a validation failure lists every field error") {
  const Status s =
      Status::invalid("event rejected", {{"/data/title", "required"}, {"/occurred", "not a date"}});
  const Json body = body_of(problem_from_status(s, make_request()));
  REQUIRE(body["errors"].is_array());
  REQUIRE(body["errors"].size() == 2);
  CHECK(body["errors"][0] == Json{{"pointer", "/data/title"}, {"message", "required"}});
  CHECK(body["errors"][1] == Json{{"pointer", "/occurred"}, {"message", "not a date"}});
}

TEST_CASE("a validation failure without field errors still has an errors array") {
  const Json body = body_of(problem_from_status(Status::invalid("no"), make_request()));
  CHECK(body["errors"] == Json::array());
}

TEST_CASE("a failed precondition reports expected and actual versions") {
  SUBCASE("If-Match") {
    const Json body =
        body_of(problem_from_status(Status::precondition_failed("stale", 3, 5), make_request()));
    CHECK(body["expected"] == 3);
    CHECK(body["actual"] == 5);
  }
  SUBCASE("If-None-Match: * renders the expectation as \"no stream\"") {
    const Json body =
        body_of(problem_from_status(Status::precondition_failed("exists", -1, 2), make_request()));
    CHECK(body["expected"] == "no stream");
    CHECK(body["actual"] == 2);
  }
}

TEST_CASE("an ok Status is a caller bug and yields a 500, not a success") {
  const Response res = problem_from_status(Status::ok(), make_request());
  CHECK(res.result() == http::status::internal_server_error);
  CHECK(body_of(res)["type"] == "https://starlog.dev/problems/internal-error");
}

TEST_CASE("the table of problem types: one slug each, 4xx and 5xx, titles in sentence case") {
  std::set<std::string_view> slugs;
  for (const ProblemInfo& row : all_problem_types()) {
    CAPTURE(row.slug);
    CHECK(slugs.insert(row.slug).second);
    CHECK(&problem_info(row.type) == &row);
    const unsigned code = static_cast<unsigned>(row.status);
    CHECK(code >= 400);
    CHECK(code < 600);
    REQUIRE_FALSE(row.title.empty());
    // "Payload too large", not "Payload Too Large": one spelling for all.
    for (std::size_t i = 1; i < row.title.size(); ++i) {
      if (row.title[i - 1] == ' ' && row.title.substr(i, 3) != "URI")
        CHECK_MESSAGE(!(row.title[i] >= 'A' && row.title[i] <= 'Z'), row.title);
    }
    const Response res = problem(row.type, "d", make_request());
    CHECK(res.result() == row.status);
    const Json body = body_of(res);
    CHECK(body["type"] == std::string(kProblemTypeBase) + std::string(row.slug));
    CHECK(body["title"] == row.title);
  }
}

namespace {

// Every object of `doc` whose "type" is a problem type URI, wherever it is.
void problem_examples(const Json& doc, std::vector<const Json*>& out) {
  if (doc.is_object()) {
    auto t = doc.find("type");
    if (t != doc.end() && t->is_string() &&
        t->get<std::string>().starts_with(std::string(kProblemTypeBase)))
      out.push_back(&doc);
    for (const auto& [k, v] : doc.items()) problem_examples(v, out);
  } else if (doc.is_array()) {
    for (const auto& v : doc) problem_examples(v, out);
  }
}

}  // namespace

TEST_CASE("the OpenAPI document lists exactly the table's problem types, and its examples agree") {
  const Json doc = Json::parse(openapi_document());
  const Json& schema = doc.at("components").at("schemas").at("ProblemType");
  std::map<std::string, std::string> documented;  // slug -> description
  for (const Json& one : schema.at("oneOf")) {
    const std::string uri = one.at("const").get<std::string>();
    REQUIRE(uri.starts_with(std::string(kProblemTypeBase)));
    documented[uri.substr(kProblemTypeBase.size())] = one.at("description").get<std::string>();
  }
  std::map<std::string, const ProblemInfo*> table;
  for (const ProblemInfo& row : all_problem_types()) table[std::string(row.slug)] = &row;
  for (const auto& [slug, row] : table) {
    CAPTURE(slug);
    REQUIRE(documented.count(slug) == 1);
    // Each description starts with the status: "409: A domain conflict ...".
    CHECK(documented[slug].starts_with(std::to_string(static_cast<unsigned>(row->status)) + ":"));
  }
  for (const auto& [slug, description] : documented) {
    CAPTURE(slug);
    CHECK(table.count(slug) == 1);
  }
  std::vector<const Json*> examples;
  problem_examples(doc, examples);
  CHECK(examples.size() > 10);
  for (const Json* e : examples) {
    const std::string slug = e->at("type").get<std::string>().substr(kProblemTypeBase.size());
    CAPTURE(slug);
    REQUIRE(table.count(slug) == 1);
    if (e->contains("title")) CHECK(e->at("title") == table[slug]->title);
    if (e->contains("status")) CHECK(e->at("status") == static_cast<unsigned>(table[slug]->status));
  }
}
