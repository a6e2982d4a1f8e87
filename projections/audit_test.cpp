#include "projections/audit.h"

#include <doctest/doctest.h>

#include "domain/hash_chain.h"
#include "projections/digest.h"
#include "projections/test_log.h"
#include "store/memory_projection_store.h"

namespace starlog::projections {
namespace {

using testing::Store;

void demo(Store& s) {
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");
  s.register_celebrity("jay-z", "Jay-Z");
  const auto donda = s.fact("kanye-west", "Donda", "2021-08-29", {"jay-z"});
  s.fact("kanye-west", "Yeezus", "2013-06-18");
  s.correct("kanye-west", donda, {{"data", {{"label", "GOOD Music"}}}});
}

Json verify_report(Store& s) {
  auto r = verify(*s.log, *s.rows, {&s.live});
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

TEST_CASE("a digest is SHA-256 over length-prefixed rows in key order") {
  store::MemoryProjectionStore rows;
  REQUIRE(rows.commit("p", {{"b", "2"}, {"a", "1"}}, {7, 1}).is_ok());
  auto d = digest(rows, "p");
  REQUIRE(d.ok());
  CHECK(d->position == 7);
  CHECK(d->rows == 2);
  const std::string bytes = std::string("\0\0\0\0\0\0\0\1a\0\0\0\0\0\0\0\0011", 18) +
                            std::string("\0\0\0\0\0\0\0\1b\0\0\0\0\0\0\0\0012", 18);
  CHECK(d->hex == domain::sha256_hex(bytes));
  // Moving a byte between key and value changes the digest.
  store::MemoryProjectionStore shifted;
  REQUIRE(shifted.commit("p", {{"a1", ""}, {"b", "2"}}, {7, 1}).is_ok());
  CHECK(digest(shifted, "p")->hex != d->hex);
}

TEST_CASE("the live projection and a replay of the log have the same digest at the same position") {
  Store s;
  demo(s);
  auto live = digest(*s.rows, "timeline", s.projection);
  REQUIRE(live.ok());
  CHECK(live->position == s.log->head());
  auto replay = replay_digest(*s.log, s.projection, live->position);
  REQUIRE(replay.ok());
  CHECK(replay->hex == live->hex);
  auto earlier = replay_digest(*s.log, s.projection, 2);
  REQUIRE(earlier.ok());
  CHECK(earlier->hex != live->hex);
  CHECK(replay_digest(*s.log, s.projection, 99).status().code() == Code::corrupt);
}

TEST_CASE("a replay has the digest of a live fold into a memory store, over several pages") {
  Store s;
  s.register_celebrity("ann", "Ann", "1980-01-01");
  s.register_celebrity("bob", "Bob");
  // Enough events for the replay to commit several pages into its store.
  const int n = 2 * static_cast<int>(Projector::kPageSize) + 100;
  std::vector<domain::NewEvent> facts;
  for (int i = 0; i < n; ++i)
    facts.push_back(testing::new_event(
        1000 + i, "album_released", {{"title", "F" + std::to_string(i)}},
        "20" + std::to_string(10 + i % 10), i % 3 ? Json::array() : testing::with({"bob"})));
  auto appended = s.log->append({"ann", store::Expected::any(), std::move(facts), true, "alice"});
  REQUIRE_MESSAGE(appended.ok(), appended.status().message());

  store::MemoryProjectionStore memory;
  TimelineProjection fold;
  Projector live(*s.log, memory, fold);
  REQUIRE(live.catch_up().ok());
  auto expected = digest(memory, "timeline", fold);
  REQUIRE(expected.ok());
  CHECK(expected->position == s.log->head());

  auto replay = replay_digest(*s.log, fold, s.log->head());
  REQUIRE_MESSAGE(replay.ok(), replay.status().message());
  CHECK(replay->hex == expected->hex);
  CHECK(replay->rows == expected->rows);
  CHECK(replay->position == expected->position);
  CHECK(replay->code_version == expected->code_version);
}

TEST_CASE("verify passes an intact store") {
  Store s;
  demo(s);
  const Json r = verify_report(s);
  CHECK(r.at("verified") == true);
  CHECK(r.at("chain") == "ok");
  CHECK(r.at("events") == 5);
  CHECK(r.at("first_bad_position").is_null());
  auto last = s.log->read_all(4, 1);
  REQUIRE(last.ok());
  CHECK(r.at("head_hash") == last->at(0).hash);
  REQUIRE(r.at("projections").size() == 1);
  const Json& p = r.at("projections")[0];
  CHECK(p.at("name") == "timeline");
  CHECK(p.at("position") == 5);
  CHECK(p.at("match") == true);
  CHECK(p.at("live_digest") == p.at("replay_digest"));
}

TEST_CASE("verify names the first position where history was rewritten behind the triggers") {
  Store s;
  demo(s);
  std::int64_t bad = 0;
  bool projection_differs = true;
  SUBCASE("content changed") {
    s.raw_sql(
        "DROP TRIGGER events_no_update;"
        "UPDATE events SET data = json_set(data, '$.title', 'Donda (Deluxe)') WHERE position = 3");
    bad = 3;
  }
  SUBCASE("content and its digest changed together") {
    s.raw_sql(
        "DROP TRIGGER events_no_update;"
        "UPDATE events SET data = json_set(data, '$.title', 'Yeezus 2') WHERE position = 4;");
    // What a careful forger would do: recompute the stored content digest.
    auto row = s.log->read_stored(3, 1);
    REQUIRE(row.ok());
    s.raw_sql("UPDATE events SET content_digest = '" + domain::content_digest(row->at(0).event) +
              "' WHERE position = 4");
    bad = 4;
  }
  SUBCASE("a recorded field changed") {
    s.raw_sql(
        "DROP TRIGGER events_no_update; UPDATE events SET recorded_by = 'mallory' WHERE position = "
        "2");
    bad = 2;
    projection_differs = false;  // recorded_by of a registration is not on the timeline
  }
  SUBCASE("an event deleted") {
    s.raw_sql("DROP TRIGGER events_no_delete; DELETE FROM events WHERE position = 4");
    bad = 4;
  }
  SUBCASE("a column no longer JSON") {
    s.raw_sql("DROP TRIGGER events_no_update; UPDATE events SET sources = '[' WHERE position = 3");
    bad = 3;
  }
  const Json r = verify_report(s);
  CAPTURE(r.dump());
  CHECK(r.at("verified") == false);
  CHECK(r.at("chain") == "broken");
  CHECK(r.at("first_bad_position") == bad);
  CHECK(r.at("problem").get<std::string>().find("position " + std::to_string(bad)) == 0);
  CHECK(r.at("projections")[0].at("match") == !projection_differs);
}

TEST_CASE("verify finds a live projection that no longer matches the log") {
  Store s;
  demo(s);
  s.raw_sql_read_models(
      "UPDATE projection_rows SET value = CAST('{}' AS BLOB) WHERE projection = 'timeline'"
      " AND key = CAST('c/jay-z' AS BLOB)");
  const Json r = verify_report(s);
  CHECK(r.at("chain") == "ok");
  CHECK(r.at("verified") == false);
  CHECK(r.at("projections")[0].at("match") == false);
}

}  // namespace
}  // namespace starlog::projections
