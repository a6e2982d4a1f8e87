// The timeline projection and a takedown: the fact leaves every timeline and
// count, and the live rows, a replay of the erased log and a rebuild agree.
#include <doctest/doctest.h>

#include "projections/audit.h"
#include "projections/digest.h"
#include "projections/rebuilder.h"
#include "projections/test_log.h"

namespace starlog::projections {
namespace {

using testing::Store;

// fact ids in the timeline of `celebrity`, retracted ones included.
std::vector<std::string> entries(Store& s, const std::string& celebrity) {
  TimelineQuery q;
  q.celebrity = celebrity;
  q.include_retracted = true;
  auto t = s.reader.timeline(q, s.log->head());
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  std::vector<std::string> out;
  for (const auto& e : t->at("entries")) out.push_back(e.at("fact_id").get<std::string>());
  return out;
}

std::int64_t fact_count(Store& s, const std::string& celebrity) {
  auto p = s.reader.profile(celebrity);
  REQUIRE(p.ok());
  return p->at("fact_count").get<std::int64_t>();
}

void take_down(Store& s, const std::string& stream, const std::string& fact_id) {
  s.append(stream, testing::new_event(s.next_id, "content_taken_down",
                                      {{"fact_id", fact_id}, {"reason", "court order"}}));
}

// ann with a fact shared with bob (moved to cy by a correction) and one of
// her own; bob with a fact of his.
struct Seeded {
  Store s;
  std::string shared, own, bobs;
  Seeded() {
    s.register_celebrity("ann", "Ann", "1980-01-01");
    s.register_celebrity("bob", "Bob");
    s.register_celebrity("cy", "Cy");
    shared = s.fact("ann", "Shared", "2020-05", {"bob"});
    own = s.fact("ann", "Own", "2019");
    bobs = s.fact("bob", "Bob's", "2018");
    s.correct("ann", shared, {{"participants", testing::with({"cy"})}});
  }
};

TEST_CASE("a takedown removes the fact from its subject's and participants' timelines") {
  Seeded x;
  Store& s = x.s;
  REQUIRE(entries(s, "cy") == std::vector<std::string>{x.shared});
  REQUIRE(fact_count(s, "ann") == 2);
  take_down(s, "ann", x.shared);
  CHECK(entries(s, "ann") == std::vector<std::string>{x.own});
  CHECK(entries(s, "cy").empty());
  CHECK(entries(s, "bob") == std::vector<std::string>{x.bobs});
  CHECK(fact_count(s, "ann") == 1);
  CHECK(fact_count(s, "cy") == 0);
  auto gone = s.reader.fact(x.shared);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  // The revisions of every celebrity whose timeline changed move, so cached
  // answers and ETags change.
  CHECK(**s.reader.revision("cy") == s.log->head());
  CHECK(**s.reader.revision("ann") == s.log->head());
}

TEST_CASE("a takedown of a retracted fact removes it from include=retracted too") {
  Seeded x;
  x.s.retract("ann", x.own);
  CHECK(fact_count(x.s, "ann") == 1);
  take_down(x.s, "ann", x.own);
  CHECK(entries(x.s, "ann") == std::vector<std::string>{x.shared});
  CHECK(fact_count(x.s, "ann") == 1);
}

TEST_CASE("after a takedown the live rows equal a replay of the erased log and a rebuild") {
  Seeded x;
  Store& s = x.s;
  take_down(s, "ann", x.shared);
  s.fact("ann", "Later", "2021");
  auto live = digest(*s.rows, "timeline", s.projection);
  REQUIRE(live.ok());
  auto replay = replay_digest(*s.log, s.projection, live->position);
  REQUIRE(replay.ok());
  CHECK(replay->hex == live->hex);
  CHECK(replay->rows == live->rows);

  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  const auto out = rebuilder.run("requested");
  CAPTURE(out.detail);
  CHECK(out.result == "verified");
  CHECK(entries(s, "ann").size() == 2);
  CHECK(entries(s, "cy").empty());
}

TEST_CASE("start_over drops a rebuild's copy so no erased content is resumed") {
  Seeded x;
  Store& s = x.s;
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  // A copy left behind by a stopped rebuild, as a kill would leave it.
  Projector copy(*s.log, *s.rows, s.projection, Rebuilder::copy_name("timeline"));
  REQUIRE(copy.catch_up().ok());
  REQUIRE(rebuilder.interrupted().value().has_value());
  auto again = rebuilder.start_over();
  REQUIRE(again.ok());
  CHECK_FALSE(*again);  // none was running, so none is started
  CHECK_FALSE(rebuilder.interrupted().value().has_value());
}

}  // namespace
}  // namespace starlog::projections
