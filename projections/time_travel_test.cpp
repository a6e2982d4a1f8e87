#include "projections/time_travel.h"

#include <doctest/doctest.h>

#include <random>

#include "projections/test_log.h"
#include "store/memory_projection_store.h"

// Queries below name only the fields that matter; GCC 12 warns about the
// omitted ones although they all have default member initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace starlog::projections {
namespace {

using testing::Store;

Json at(Store& s, const std::string& celebrity, std::int64_t position, bool retracted = true) {
  TimelineQuery q{.celebrity = celebrity, .include_retracted = retracted, .limit = 500};
  auto doc = timeline_at(*s.log, q, position);
  REQUIRE_MESSAGE(doc.ok(), doc.status().message());
  return *doc;
}

std::vector<std::string> titles(const Json& doc) {
  std::vector<std::string> out;
  for (const auto& e : doc.at("entries")) out.push_back(e.at("data").at("title"));
  return out;
}

TEST_CASE("a timeline as of a position shows only what was recorded by then") {
  Store s;
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");                // 1
  s.register_celebrity("jay-z", "Jay-Z");                                        // 2
  const auto donda = s.fact("kanye-west", "Donda", "2021-08-29");                // 3
  const auto watch = s.fact("kanye-west", "Watch the Throne", "2011-08-08");     // 4
  s.correct("kanye-west", watch, {{"participants", testing::with({"jay-z"})}});  // 5
  s.retract("kanye-west", donda);                                                // 6

  CHECK(titles(at(s, "kanye-west", 3)) == std::vector<std::string>{"Donda"});
  CHECK(at(s, "kanye-west", 3).at("position") == 3);
  CHECK(at(s, "kanye-west", 4).at("entries")[0].at("status") == "active");
  // The correction that put Jay-Z on the fact is not known at 4...
  CHECK(at(s, "jay-z", 4).at("entries").empty());
  // ...and is at 5, on both timelines.
  CHECK(titles(at(s, "jay-z", 5)) == std::vector<std::string>{"Watch the Throne"});
  CHECK(at(s, "kanye-west", 5).at("entries")[0].at("status") == "corrected");
  CHECK(at(s, "kanye-west", 5).at("entries")[1].at("status") == "active");
  CHECK(at(s, "kanye-west", 6).at("entries")[1].at("status") == "retracted");
  CHECK(titles(at(s, "kanye-west", 6, false)) == std::vector<std::string>{"Watch the Throne"});
  // Before its registration the celebrity did not exist.
  auto before = timeline_at(*s.log, TimelineQuery{.celebrity = "jay-z"}, 1);
  CHECK(before.status().code() == Code::not_found);
}

// A seeded random log of registrations, facts with participants, corrections
// (dates, titles, participants moved on and off), retractions and profile
// updates, appended through the store's rules.
void random_log(Store& s, int events, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> people = {"ann", "bob", "cat", "dan", "eve"};
  for (const auto& p : people)
    s.register_celebrity(p, "Person " + p,
                         pick(2) ? "1980-0" + std::to_string(1 + pick(9)) + "-15" : "");
  struct Known {
    std::string id, stream;
    bool retracted = false;
  };
  std::vector<Known> facts;
  auto others = [&](const std::string& self) {
    std::vector<std::string> out;
    for (const auto& p : people)
      if (p != self && pick(3) == 0) out.push_back(p);
    return out;
  };
  auto date = [&] {
    std::string d = std::to_string(2000 + pick(20));
    if (pick(3)) d += "-0" + std::to_string(1 + pick(9));
    if (pick(2) && d.size() > 4) d += "-1" + std::to_string(pick(10));
    return d;
  };
  for (int i = 0; i < events; ++i) {
    const std::string& stream = people[static_cast<std::size_t>(pick(5))];
    std::vector<Known*> open;
    for (auto& f : facts)
      if (f.stream == stream && !f.retracted) open.push_back(&f);
    const int roll = pick(100);
    if (roll < 25 && !open.empty()) {
      Known& f = *open[static_cast<std::size_t>(pick(static_cast<int>(open.size())))];
      Json changes;
      switch (pick(3)) {
        case 0:
          changes["occurred"] = date();
          break;
        case 1:
          changes["data"] = {{"title", "Retitled " + std::to_string(i)}};
          break;
        default:
          changes["participants"] = testing::with(others(stream));
          break;
      }
      s.correct(stream, f.id, changes);
    } else if (roll < 33 && !open.empty()) {
      Known& f = *open[static_cast<std::size_t>(pick(static_cast<int>(open.size())))];
      s.retract(stream, f.id);
      f.retracted = true;
    } else if (roll < 40) {
      s.append(stream,
               testing::new_event(s.next_id, "celebrity_updated",
                                  {{"born", "19" + std::to_string(60 + pick(30)) + "-02-02"}}));
    } else {
      facts.push_back(
          {s.fact(stream, "Fact " + std::to_string(i), date(), others(stream)), stream});
    }
  }
}

TEST_CASE("a timeline as of any position equals the one a replay of the whole log gives there") {
  Store s;
  random_log(s, 120, 20261126);
  const std::int64_t head = s.log->head();
  // Every fifth position, and every position where a correction or a
  // retraction changed what an earlier fact says (the interesting ones).
  auto all = s.log->read_all(0, 1000);
  REQUIRE(all.ok());
  auto worth_comparing = [&](std::int64_t p) {
    if (p % 5 == 0 || p == head) return true;
    const auto& type = (*all)[static_cast<std::size_t>(p - 1)].type;
    return type == "fact_corrected" || type == "fact_retracted";
  };
  // The reference: the whole log folded position by position in memory.
  store::MemoryProjectionStore memory;
  TimelineProjection whole;
  Projector full(*s.log, memory, whole);
  TimelineReader reference(memory, std::string(TimelineProjection::kName));
  int compared = 0;
  for (std::int64_t p = 0; p <= head; ++p) {
    REQUIRE(full.catch_up({}, p).ok());
    if (!worth_comparing(p)) continue;
    for (const char* who : {"ann", "bob", "cat", "dan", "eve"}) {
      CAPTURE(p);
      CAPTURE(who);
      TimelineQuery q{.celebrity = who, .include_retracted = true, .limit = 500};
      auto expected = reference.timeline(q, p);
      auto actual = timeline_at(*s.log, q, p);
      REQUIRE(expected.ok() == actual.ok());
      if (!expected.ok()) {
        CHECK(actual.status().code() == expected.status().code());
        continue;
      }
      CHECK(*actual == *expected);
      ++compared;
    }
  }
  CHECK(compared > 200);
}

TEST_CASE("filters, order, limit and cursor apply to a timeline in the past as to the live one") {
  Store s;
  s.register_celebrity("ann", "Ann");
  for (int i = 0; i < 5; ++i) s.fact("ann", "F" + std::to_string(i), "201" + std::to_string(i));
  const std::int64_t p = s.log->head();
  s.fact("ann", "Later", "2020");
  TimelineQuery q{.celebrity = "ann", .descending = true, .limit = 2};
  auto page1 = timeline_at(*s.log, q, p);
  REQUIRE(page1.ok());
  CHECK(titles(*page1) == std::vector<std::string>{"F4", "F3"});
  q.cursor = keys::decode_cursor(page1->at("next_cursor").get<std::string>());
  auto page2 = timeline_at(*s.log, q, p);
  REQUIRE(page2.ok());
  CHECK(titles(*page2) == std::vector<std::string>{"F2", "F1"});
  // The live timeline has moved on meanwhile.
  auto live =
      s.reader.timeline(TimelineQuery{.celebrity = "ann", .descending = true, .limit = 2}, p);
  REQUIRE(live.ok());
  CHECK(live->at("entries").size() == 2);
  CHECK(live->at("entries")[0].at("data").at("title") == "Later");
}

}  // namespace
}  // namespace starlog::projections
