#include "projections/time_travel.h"

#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <thread>

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
// updates, appended through the store's rules; add() may be called again to
// grow the log.
class RandomLog {
 public:
  RandomLog(Store& s, unsigned seed) : s_(s), rng_(seed) {
    for (const auto& p : people_)
      s_.register_celebrity(p, "Person " + p,
                            pick(2) ? "1980-0" + std::to_string(1 + pick(9)) + "-15" : "");
  }

  void add(int events) {
    for (int n = 0; n < events; ++n, ++i_) step();
  }

 private:
  struct Known {
    std::string id, stream;
    bool retracted = false;
  };
  int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }
  std::vector<std::string> others(const std::string& self) {
    std::vector<std::string> out;
    for (const auto& p : people_)
      if (p != self && pick(3) == 0) out.push_back(p);
    return out;
  }
  std::string date() {
    std::string d = std::to_string(2000 + pick(20));
    if (pick(3)) d += "-0" + std::to_string(1 + pick(9));
    if (pick(2) && d.size() > 4) d += "-1" + std::to_string(pick(10));
    return d;
  }
  void step() {
    const std::string& stream = people_[static_cast<std::size_t>(pick(5))];
    std::vector<Known*> open;
    for (auto& f : facts_)
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
          changes["data"] = {{"title", "Retitled " + std::to_string(i_)}};
          break;
        default:
          changes["participants"] = testing::with(others(stream));
          break;
      }
      s_.correct(stream, f.id, changes);
    } else if (roll < 33 && !open.empty()) {
      Known& f = *open[static_cast<std::size_t>(pick(static_cast<int>(open.size())))];
      s_.retract(stream, f.id);
      f.retracted = true;
    } else if (roll < 40) {
      s_.append(stream,
                testing::new_event(s_.next_id, "celebrity_updated",
                                   {{"born", "19" + std::to_string(60 + pick(30)) + "-02-02"}}));
    } else {
      facts_.push_back(
          {s_.fact(stream, "Fact " + std::to_string(i_), date(), others(stream)), stream});
    }
  }

  Store& s_;
  std::mt19937 rng_;
  const std::vector<std::string> people_ = {"ann", "bob", "cat", "dan", "eve"};
  std::vector<Known> facts_;
  int i_ = 0;
};

void random_log(Store& s, int events, unsigned seed) { RandomLog(s, seed).add(events); }

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
      // Names as the whole log registers them at p (the one-celebrity fold
      // holds only its own profile).
      auto actual =
          timeline_at(*s.log, q, p, [&](std::string_view id) { return reference.name_of(id); });
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

TEST_CASE("kept histories answer as a fresh fold does while the log grows") {
  Store s;
  RandomLog log(s, 20261202);
  TimeTravel kept(*s.log, std::size_t{64} << 20);
  std::mt19937 rng(7);
  int compared = 0;
  for (int round = 0; round < 12; ++round) {
    log.add(12);
    const std::int64_t head = s.log->head();
    // Positions in any order, some beyond what the histories hold (they
    // fold on), some long before it (they read back).
    for (int i = 0; i < 8; ++i) {
      const std::int64_t p = i == 0 ? head : static_cast<std::int64_t>(rng() % (head + 1));
      for (const char* who : {"ann", "bob", "cat", "dan", "eve"}) {
        CAPTURE(round);
        CAPTURE(p);
        CAPTURE(who);
        // Queries of every shape: the text path must render what the
        // document says, byte for byte.
        TimelineQuery q{.celebrity = who,
                        .role = i % 3 == 1 ? RoleFilter::participant : RoleFilter::any,
                        .include_retracted = i % 2 == 0,
                        .descending = i % 4 == 3,
                        .limit = i % 3 == 2 ? std::size_t{3} : std::size_t{500}};
        auto expected = timeline_at(*s.log, q, p);
        auto actual = kept.timeline_at(q, p);
        auto text = kept.timeline_text_at(q, p);
        REQUIRE(expected.ok() == actual.ok());
        REQUIRE(expected.ok() == text.ok());
        if (!expected.ok()) {
          CHECK(actual.status().code() == expected.status().code());
          CHECK(text.status().code() == expected.status().code());
          continue;
        }
        CHECK(*actual == *expected);
        CHECK(*text == to_wire(*expected));
        // The next page, when there is one, through its cursor.
        if (const Json& next = expected->at("next_cursor"); next.is_string()) {
          q.cursor = keys::decode_cursor(next.get<std::string>());
          auto second = timeline_at(*s.log, q, p);
          auto second_text = kept.timeline_text_at(q, p);
          REQUIRE(second.ok());
          REQUIRE(second_text.ok());
          CHECK(*second_text == to_wire(*second));
        }
        ++compared;
      }
    }
  }
  CHECK(compared > 400);
  const auto stats = kept.stats();
  CHECK(stats.histories == 5);
  CHECK(stats.bytes > 0);
  // Most reads folded nothing from the start: five first folds, plus one
  // for each fact corrected to name someone it had not named before.
  CHECK(stats.folds >= 5);
  CHECK(stats.folds < 100);
}

TEST_CASE("a history folds on from where it ended, and again from the start only when it must") {
  Store s;
  s.register_celebrity("ann", "Ann");                 // 1
  s.register_celebrity("bob", "Bob");                 // 2
  const auto first = s.fact("ann", "First", "2001");  // 3
  TimeTravel kept(*s.log, std::size_t{64} << 20);
  auto bob = [&](std::int64_t p) {
    auto doc = kept.timeline_at(TimelineQuery{.celebrity = "bob", .limit = 500}, p);
    REQUIRE_MESSAGE(doc.ok(), doc.status().message());
    return titles(*doc);
  };
  CHECK(bob(3).empty());
  CHECK(kept.stats().folds == 1);
  // A new fact naming Bob: folded on from position 3.
  s.fact("ann", "Second", "2002", {"bob"});  // 4
  CHECK(bob(4) == std::vector<std::string>{"Second"});
  CHECK(bob(3).empty());
  CHECK(kept.stats().folds == 1);
  // A correction that names Bob on a fact recorded before the history's
  // end: that fact's first event was never folded, so Bob's history is
  // folded again from the start.
  s.correct("ann", first, {{"participants", testing::with({"bob"})}});  // 5
  CHECK(bob(5) == std::vector<std::string>{"First", "Second"});
  CHECK(bob(4) == std::vector<std::string>{"Second"});
  CHECK(kept.stats().folds == 2);
  // forget() drops everything; the next read folds afresh.
  kept.forget();
  CHECK(kept.stats().histories == 0);
  CHECK(bob(5) == std::vector<std::string>{"First", "Second"});
  CHECK(kept.stats().folds == 3);
}

TEST_CASE("histories past the budget go least recently read first, the one being read stays") {
  Store s;
  for (const char* who : {"ann", "bob", "cat"}) s.register_celebrity(who, who);
  for (int i = 0; i < 20; ++i) s.fact("ann", "F" + std::to_string(i), "2001", {"bob", "cat"});
  TimeTravel kept(*s.log, 1);  // smaller than any history
  const std::int64_t head = s.log->head();
  for (const char* who : {"ann", "bob", "cat"}) {
    auto doc = kept.timeline_at(TimelineQuery{.celebrity = who, .limit = 500}, head);
    REQUIRE(doc.ok());
    CHECK(doc->at("entries").size() == 20);
    CHECK(kept.stats().histories == 1);
  }
  CHECK(kept.stats().folds == 3);
  auto again = kept.timeline_at(TimelineQuery{.celebrity = "cat", .limit = 500}, head - 5);
  REQUIRE(again.ok());
  CHECK(again->at("entries").size() == 15);
  CHECK(kept.stats().folds == 3);  // cat's history was the one kept
}

TEST_CASE("reads of one history at many positions at once agree with a fresh fold") {
  Store s;
  random_log(s, 150, 99);
  TimeTravel kept(*s.log, std::size_t{64} << 20);
  const std::int64_t head = s.log->head();
  std::vector<Json> expected;
  for (std::int64_t p = 0; p <= head; ++p) {
    auto doc = timeline_at(*s.log, TimelineQuery{.celebrity = "ann", .limit = 500}, p);
    expected.push_back(doc.ok() ? *doc : Json(nullptr));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (std::int64_t p = t; p <= head; p += 2) {
        auto doc = kept.timeline_at(TimelineQuery{.celebrity = "ann", .limit = 500}, p);
        const Json got = doc.ok() ? *doc : Json(nullptr);
        if (got != expected[static_cast<std::size_t>(p)]) ++wrong;
      }
    });
  }
  for (auto& r : readers) r.join();
  CHECK(wrong.load() == 0);
  CHECK(kept.stats().folds == 1);
}

}  // namespace
}  // namespace starlog::projections
