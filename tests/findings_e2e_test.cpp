// Findings end to end, on the real `starlog serve` with the demo data: the
// demo's one wrong age (Kanye West "the 37-year old", born 1977, so 44),
// a correction of the source's age that makes it go away, a new wrong age
// appended and dismissed by an editor, the listings' parameters, paging
// and caching, and the refusals of a dismissal (nothing written).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "tests/support/cli.h"
#include "tests/support/command.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

constexpr const char* kLoveUnconditionally = "4d5cd5bd-96a3-4dc3-bf57-adf632b1b959";

std::int64_t head_of(HttpClient& c) { return c.get("/v1/events?limit=1").json().at("head"); }

TEST_CASE("the demo's wrong age is a finding; a correction removes it, a dismissal hides one") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  const Headers editor = bearer(create_token(db, "alice", "editor"));
  const Headers reader = bearer(create_token(db, "rita", "reader"));
  ServerProcess server(db, {"--demo", demo_dir()});
  HttpClient c = server.client();

  // Out of the box: exactly one finding, on Kanye West, in words.
  auto all = c.get("/v1/findings");
  REQUIRE(all.status == 200);
  const Json everything = all.json();
  REQUIRE(everything.at("items").size() == 1);
  auto kanye = c.get("/v1/celebrities/kanye-west/findings");
  REQUIRE(kanye.status == 200);
  const Json found = kanye.json().at("items").at(0);
  CHECK(found == everything.at("items").at(0));
  CHECK(found.at("kind") == "age_mismatch");
  CHECK(found.at("celebrity") == "kanye-west");
  CHECK(found.at("fact_ids") == Json::array({kLoveUnconditionally}));
  const std::string message = found.at("message");
  CHECK(message.find("The Sun states age 37 for Kanye West") == 0);
  CHECK(message.find("born 8 June 1977 gives 44") != std::string::npos);
  CHECK(found.at("position").is_number_integer());
  CHECK(found.at("dismissal").is_null());
  for (const char* who : {"kim-kardashian", "north-west", "saint-west", "jay-z"})
    CHECK(c.get(cat("/v1/celebrities/", who, "/findings")).json().at("items").empty());

  // Cached like the timeline: the same tag until the celebrity changes.
  const std::string etag = kanye.header("ETag");
  REQUIRE_FALSE(etag.empty());
  CHECK(c.get("/v1/celebrities/kanye-west/findings", {{"If-None-Match", etag}}).status == 304);

  // Bad parameters: 400 naming them; an unknown celebrity 404.
  for (const char* bad : {"?kind=typo", "?include=everything", "?limit=0", "?cursor=nope"}) {
    CAPTURE(bad);
    auto r = c.get(cat("/v1/findings", bad));
    CHECK(r.status == 400);
    CHECK(r.json().at("type") == "https://starlog.dev/problems/invalid-parameter");
  }
  CHECK(c.get("/v1/celebrities/nobody/findings").status == 404);

  // The editor corrects the source's age: the finding is gone, and the tag moved.
  const std::int64_t before = head_of(c);
  auto fixed = c.post_json("/v1/celebrities/kanye-west/events",
                           {{"type", "fact_corrected"},
                            {"data",
                             {{"fact_id", kLoveUnconditionally},
                              {"reason", "he was 44 when Donda came out"},
                              {"changes",
                               {{"sources",
                                 {{{"url", "https://www.thesun.co.uk/"},
                                   {"publisher", "The Sun"},
                                   {"ages", {{"kanye-west", 44}}}}}}}}}}},
                           editor);
  REQUIRE_MESSAGE(fixed.status == 201, fixed.body);
  CHECK(head_of(c) == before + 1);
  CHECK(c.get("/v1/celebrities/kanye-west/findings").json().at("items").empty());
  CHECK(c.get("/v1/celebrities/kanye-west/findings", {{"If-None-Match", etag}}).status == 200);
  CHECK(c.get("/v1/findings").json().at("items").empty());

  // A new claim with a wrong age, about a participant: found at once (read
  // your writes), on the participant's list.
  auto claim = c.post_json("/v1/celebrities/kanye-west/events",
                           {{"type", "appearance_made"},
                            {"occurred", "2021-08-26"},
                            {"data", {{"event", "Donda listening event"}}},
                            {"participants", {{{"celebrity", "north-west"}, {"role", "guest"}}}},
                            {"sources",
                             {{{"url", "https://example.com/report"},
                               {"publisher", "Example News"},
                               {"ages", {{"north-west", 10}}}}}}},
                           editor);
  REQUIRE_MESSAGE(claim.status == 201, claim.body);
  auto north = c.get("/v1/celebrities/north-west/findings").json().at("items");
  REQUIRE(north.size() == 1);
  CHECK(north[0].at("message") ==
        "Example News states age 10 for North West on 26 August 2021; born 15 June 2013 "
        "gives 8");
  const std::string id = north[0].at("id");
  CHECK(c.get("/v1/findings?kind=age_mismatch").json().at("items").size() == 1);
  CHECK(c.get("/v1/findings?kind=unsourced").json().at("items").empty());

  // Dismissals that are refused write nothing.
  const std::int64_t at = head_of(c);
  auto dismissal = [](const std::string& finding) {
    return Json{{"type", "finding_dismissed"},
                {"data", {{"finding_id", finding}, {"reason", "the report means 2023"}}}};
  };
  auto unknown = c.post_json("/v1/celebrities/north-west/events",
                             dismissal("00000000-0000-4000-8000-000000000000"), editor);
  CHECK(unknown.status == 422);
  CHECK(unknown.json().at("errors")[0].at("pointer") == "/data/finding_id");
  auto elsewhere = c.post_json("/v1/celebrities/kanye-west/events", dismissal(id), editor);
  CHECK(elsewhere.status == 422);  // the finding is North West's, not Kanye's
  auto in_batch = c.post_json("/v1/celebrities/north-west/events",
                              Json::array({dismissal(id), dismissal(id)}), editor);
  CHECK(in_batch.status == 409);
  CHECK(c.post_json("/v1/celebrities/north-west/events", dismissal(id), reader).status == 403);
  auto malformed =
      c.post_json("/v1/celebrities/north-west/events",
                  {{"type", "finding_dismissed"}, {"data", {{"finding_id", "x"}}}}, editor);
  CHECK(malformed.status == 422);
  CHECK(head_of(c) == at);

  // The editor dismisses it (naming the event's id, as a client that may
  // retry does): hidden, shown with include=dismissed.
  Json named = dismissal(id);
  named["id"] = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
  auto dismissed = c.post_json("/v1/celebrities/north-west/events", named, editor);
  REQUIRE_MESSAGE(dismissed.status == 201, dismissed.body);
  CHECK(c.get("/v1/celebrities/north-west/findings").json().at("items").empty());
  auto shown = c.get("/v1/celebrities/north-west/findings?include=dismissed").json().at("items");
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].at("id") == id);
  CHECK(shown[0].at("dismissal").at("reason") == "the report means 2023");
  CHECK(shown[0].at("dismissal").at("by") == "alice");
  const std::int64_t after = head_of(c);
  // A resend of that very event (a retry after a lost answer) is answered
  // with the stored event, 200, nothing written; another event under that
  // id, or another dismissal of the finding, is 409.
  auto again = c.post_json("/v1/celebrities/north-west/events", named, editor);
  CHECK_MESSAGE(again.status == 200, again.body);
  CHECK(again.json().at("events")[0].at("position") ==
        dismissed.json().at("events")[0].at("position"));
  Json changed = named;
  changed["data"]["reason"] = "another reason";
  CHECK(c.post_json("/v1/celebrities/north-west/events", changed, editor).status == 409);
  CHECK(c.post_json("/v1/celebrities/north-west/events", dismissal(id), editor).status == 409);
  CHECK(head_of(c) == after);
}

TEST_CASE("findings page with a stable cursor across all celebrities") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  const Headers editor = bearer(create_token(db, "alice", "editor"));
  ServerProcess server(db);
  HttpClient c = server.client();
  for (const char* who : {"ann", "bob"}) {
    REQUIRE(c.post_json(cat("/v1/celebrities/", who, "/events"),
                        {{"type", "celebrity_registered"}, {"data", {{"name", who}}}}, editor)
                .status == 201);
  }
  // Facts without sources: one unsourced finding each.
  for (int i = 0; i < 9; ++i) {
    Json fact = {{"type", "album_released"},
                 {"occurred", cat("20", std::to_string(10 + i))},
                 {"data", {{"title", cat("Album ", std::to_string(i))}}}};
    REQUIRE(c.post_json(cat("/v1/celebrities/", i % 2 ? "ann" : "bob", "/events"), fact, editor)
                .status == 201);
  }
  std::vector<std::string> ids;
  std::string target = "/v1/findings?limit=4";
  for (int page = 0; page < 10; ++page) {
    auto r = c.get(target);
    REQUIRE(r.status == 200);
    const Json doc = r.json();
    CHECK(doc.at("items").size() <= 4);
    for (const auto& f : doc.at("items")) {
      CHECK(f.at("kind") == "unsourced");
      ids.push_back(f.at("id"));
    }
    if (doc.at("next_cursor").is_null()) break;
    target = cat("/v1/findings?limit=4&cursor=", doc.at("next_cursor").get<std::string>());
  }
  CHECK(ids.size() == 9);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 9);
  CHECK(c.get("/v1/celebrities/ann/findings").json().at("items").size() == 4);
  CHECK(c.get("/v1/celebrities/bob/findings?kind=unsourced").json().at("items").size() == 5);
}

}  // namespace
}  // namespace starlog::test
