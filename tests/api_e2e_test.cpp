// End-to-end: the real `starlog serve` binary on a free loopback port,
// talked to over HTTP.
#include <doctest/doctest.h>

#include <thread>

#include "tests/support/cli.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

const char* kEvents = "/v1/celebrities/kanye-west/events";

Json registration(std::string name, std::string born = "") {
  Json data = {{"name", std::move(name)}};
  if (!born.empty()) data["born"] = born;
  return {{"type", "celebrity_registered"}, {"data", data}};
}

Json album(std::string title, std::string occurred) {
  return {{"type", "album_released"},
          {"occurred", std::move(occurred)},
          {"data", {{"title", std::move(title)}}},
          {"sources", {{{"url", "https://www.thesun.co.uk/"}, {"publisher", "The Sun"}}}}};
}

std::int64_t head(HttpClient& c) { return c.get("/v1/events?limit=1").json().at("head"); }

// Writes need an editor token (docs/events.md#roles-and-tokens): one is created with the
// CLI on the fresh store before the server starts.
struct Server {
  TempDir dir;
  std::string editor = create_token(dir.file("starlog.db"), "alice", "editor");
  ServerProcess process{dir.file("starlog.db")};
  HttpClient client = process.client();

  // `extra` plus the editor's Authorization header.
  Headers auth(Headers extra = {}) const {
    extra.merge(bearer(editor));
    return extra;
  }
};

TEST_CASE("an editor appends facts and a frontend reads them on the timeline") {
  Server s;
  auto r = s.client.post_json(kEvents, registration("Kanye West", "1977-06-08"), s.auth());
  REQUIRE(r.status == 201);
  CHECK(r.header("etag") == "\"1\"");
  CHECK(r.json().at("events").at(0).at("position") == 1);
  r = s.client.post_json(kEvents, album("Donda", "2021-08-29"), s.auth());
  REQUIRE(r.status == 201);
  CHECK(r.header("etag") == "\"2\"");

  auto t = s.client.get("/v1/celebrities/kanye-west/timeline");
  REQUIRE(t.status == 200);
  auto doc = t.json();
  CHECK(doc.at("celebrity").at("name") == "Kanye West");
  CHECK(doc.at("position") == 2);
  REQUIRE(doc.at("entries").size() == 1);
  CHECK(doc.at("entries")[0].at("title") == "Released the album Donda");
  CHECK(doc.at("entries")[0].at("age") == 44);
  CHECK(doc.at("entries")[0].at("display") == "29 August 2021");
  CHECK(doc.at("entries")[0].at("recorded_by") == "alice");

  auto p = s.client.get("/v1/celebrities/kanye-west").json();
  CHECK(p.at("fact_count") == 1);
  CHECK(p.at("version") == 2);
  CHECK(p.at("first_occurred") == "2021-08-29");

  auto list = s.client.get("/v1/celebrities?q=kan").json();
  REQUIRE(list.at("items").size() == 1);
  CHECK(list.at("items")[0].at("id") == "kanye-west");

  auto stream = s.client.get(kEvents);
  REQUIRE(stream.status == 200);
  CHECK(stream.header("etag") == "\"2\"");
  CHECK(stream.json().at("events").size() == 2);
  CHECK(stream.json().at("events")[1].at("hash").get<std::string>().size() == 64);
}

TEST_CASE("a batch is appended atomically: all or none") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status == 201);
  Json bad = Json::array({album("Donda", "2021-08-29"), album("Jesus Is King", "2019-13-01")});
  auto r = s.client.post_json(kEvents, bad, s.auth());
  CHECK(r.status == 422);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.json().at("errors").at(0).at("pointer") == "/1/occurred");
  CHECK(head(s.client) == 1);
  Json good = Json::array({album("Donda", "2021-08-29"), album("Jesus Is King", "2019-10-25")});
  r = s.client.post_json(kEvents, good, s.auth());
  REQUIRE(r.status == 201);
  CHECK(r.json().at("events").size() == 2);
  CHECK(r.json().at("events")[1].at("version") == 3);
}

TEST_CASE("expected versions are checked and a failure says expected and actual") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth({{"If-None-Match", "*"}}))
              .status == 201);
  auto r =
      s.client.post_json(kEvents, registration("Kanye West"), s.auth({{"If-None-Match", "*"}}));
  CHECK(r.status == 412);
  r = s.client.post_json(kEvents, album("Donda", "2021-08-29"), s.auth({{"If-Match", "\"5\""}}));
  REQUIRE(r.status == 412);
  CHECK(r.json().at("expected") == 5);
  CHECK(r.json().at("actual") == 1);
  CHECK(s.client.post_json(kEvents, album("Donda", "2021-08-29"), s.auth({{"If-Match", "\"1\""}}))
            .status == 201);
  CHECK(s.client.post_json(kEvents, album("X", "2021"), s.auth({{"If-Match", "three"}})).status ==
        400);
}

TEST_CASE(
    "a retry with the same event ids is 200 with the original positions, even with a stale "
    "If-Match") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status == 201);
  Json e = album("Donda", "2021-08-29");
  e["id"] = "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00";
  auto first = s.client.post_json(kEvents, e, s.auth({{"If-Match", "\"1\""}}));
  REQUIRE(first.status == 201);
  auto retry = s.client.post_json(kEvents, e, s.auth({{"If-Match", "\"1\""}}));
  CHECK(retry.status == 200);
  CHECK(retry.json().at("events") == first.json().at("events"));
  CHECK(head(s.client) == 2);
  e["data"]["title"] = "Donda 2";
  auto clash = s.client.post_json(kEvents, e, s.auth());
  CHECK(clash.status == 409);
  CHECK(clash.json().at("type").get<std::string>().ends_with("duplicate-event-id"));
  CHECK(head(s.client) == 2);
}

TEST_CASE("bad input gets a 4xx problem, writes nothing, and the server keeps serving") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status == 201);
  struct Case {
    std::string body;
    std::string content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"{not json", "application/json", 400},
      {"42", "application/json", 400},
      {"[]", "application/json", 400},
      {R"({"type":"album_released"})", "text/plain", 415},
      {R"({"type":"nope","data":{}})", "application/json", 422},
      {R"({"type":"album_released","occurred":"2021-08-29","data":{"title":5}})",
       "application/json", 422},
      {R"({"type":"album_released","data":{"title":"Donda"}})", "application/json", 422},
      {R"({"type":"celebrity_registered","data":{"name":"Again"}})", "application/json", 422},
      {R"({"type":"album_released","occurred":"2021-08-29","data":{"title":"D"},"participants":[{"celebrity":"nobody"}]})",
       "application/json", 422},
      {R"({"type":"fact_retracted","data":{"fact_id":"0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f01","reason":"x"}})",
       "application/json", 422},
      {R"({"type":"album_released","occurred":"2021-08-29","data":{"title":"D"},"sources":[{"url":"ftp://x"}]})",
       "application/json", 422},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = s.client.post("/v1/celebrities/kanye-west/events", c.body,
                           s.auth({{"Content-Type", c.content_type}}));
    CHECK(r.status == c.status);
    CHECK(r.header("content-type") == "application/problem+json");
    CHECK(r.json().at("status") == c.status);
  }
  // A first event that is not a registration, on a new stream.
  auto r = s.client.post_json("/v1/celebrities/nobody/events", album("X", "2021"), s.auth());
  CHECK(r.status == 422);
  CHECK(s.client.get("/v1/celebrities/nobody").status == 404);
  CHECK(head(s.client) == 1);
  CHECK(s.client.get("/healthz").status == 200);
}

TEST_CASE("reads answer 404 for unknown things, 405 with Allow, and 400 naming a bad parameter") {
  Server s;
  CHECK(s.client.get("/v1/celebrities/nobody/timeline").status == 404);
  CHECK(s.client.get("/v1/facts/0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00").status == 404);
  CHECK(s.client.get("/v1/nothing").status == 404);
  auto r = s.client.request(http::verb::delete_, "/v1/celebrities");
  CHECK(r.status == 405);
  CHECK(r.header("allow").find("GET") != std::string::npos);
  for (std::string q : {"limit=0", "limit=501", "cursor=zzz", "from=2021-02-30", "order=up",
                        "types=nope", "role=x"}) {
    REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status / 100 != 5);
    auto bad = s.client.get("/v1/celebrities/kanye-west/timeline?" + q);
    CAPTURE(q);
    CHECK(bad.status == 400);
    CHECK(bad.json().at("parameter") == q.substr(0, q.find('=')));
  }
}

TEST_CASE(
    "a fact with participants shows on the participant's timeline and its history is served") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status == 201);
  REQUIRE(
      s.client
          .post_json("/v1/celebrities/jay-z/events", registration("Jay-Z", "1969-12-04"), s.auth())
          .status == 201);
  Json collab = {{"type", "collaboration_made"},
                 {"occurred", "2021-08-29"},
                 {"data", {{"with", {"jay-z"}}, {"works", {"Jail"}}}},
                 {"participants", {{{"celebrity", "jay-z"}, {"role", "featured artist"}}}}};
  auto r = s.client.post_json(kEvents, collab, s.auth());
  REQUIRE(r.status == 201);
  const std::string fact_id = r.json().at("events")[0].at("id");
  auto jay = s.client.get("/v1/celebrities/jay-z/timeline").json();
  REQUIRE(jay.at("entries").size() == 1);
  CHECK(jay.at("entries")[0].at("role") == "participant");
  CHECK(jay.at("entries")[0].at("age") == 51);
  auto fact = s.client.get("/v1/facts/" + fact_id);
  REQUIRE(fact.status == 200);
  CHECK(fact.json().at("fact").at("fact_id") == fact_id);
  CHECK(fact.json().at("history").size() == 1);
}

TEST_CASE("concurrent appends over HTTP get gap-free positions and versions") {
  Server s;
  REQUIRE(s.client.post_json(kEvents, registration("Kanye West"), s.auth()).status == 201);
  constexpr int kThreads = 4, kEach = 15;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c = s.process.client();
      for (int i = 0; i < kEach; ++i) {
        auto r = c.post_json(
            kEvents, album("A" + std::to_string(t) + "-" + std::to_string(i), "2020"), s.auth());
        if (r.status == 201) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(created == kThreads * kEach);
  auto log = s.client.get("/v1/events?limit=1000").json();
  REQUIRE(log.at("events").size() == kThreads * kEach + 1);
  std::int64_t expected = 1;
  for (const auto& e : log.at("events")) {
    CHECK(e.at("position") == expected);
    CHECK(e.at("version") == expected);
    ++expected;
  }
  auto timeline = s.client.get("/v1/celebrities/kanye-west/timeline?limit=500").json();
  CHECK(timeline.at("entries").size() == kThreads * kEach);
}

TEST_CASE("a restart on the same file keeps every event and every timeline entry") {
  TempDir dir;
  const Headers auth = bearer(create_token(dir.file("starlog.db"), "alice", "editor"));
  Json before;
  {
    ServerProcess p(dir.file("starlog.db"));
    auto c = p.client();
    REQUIRE(c.post_json(kEvents, registration("Kanye West"), auth).status == 201);
    REQUIRE(c.post_json(kEvents, album("Donda", "2021-08-29"), auth).status == 201);
    before = c.get("/v1/celebrities/kanye-west/timeline").json();
    CHECK(p.stop() == 0);
  }
  ServerProcess p(dir.file("starlog.db"));
  auto c = p.client();
  CHECK(c.get("/v1/celebrities/kanye-west/timeline").json() == before);
  auto r = c.post_json(kEvents, album("Jesus Is King", "2019-10-25"), auth);
  REQUIRE(r.status == 201);
  CHECK(r.json().at("events")[0].at("position") == 3);
}

TEST_CASE("an unknown path and a wrong method on health are problems too") {
  Server s;
  CHECK(s.client.get("/healthz").status == 200);
  CHECK(s.client.get("/readyz").status == 200);
  CHECK(s.client.post("/healthz", "{}").status == 405);
}

}  // namespace
}  // namespace starlog::test
