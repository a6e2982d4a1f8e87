#include "projections/rebuilder.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "projections/audit.h"
#include "projections/digest.h"
#include "projections/test_log.h"

// Queries below name only the fields that matter (see time_travel_test.cpp).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace starlog::projections {
namespace {

using testing::Store;

void some_facts(Store& s, int n) {
  s.register_celebrity("ann", "Ann", "1980-01-01");
  s.register_celebrity("bob", "Bob");
  for (int i = 0; i < n; ++i)
    s.fact(i % 2 ? "ann" : "bob", "F" + std::to_string(i), "20" + std::to_string(10 + i % 10),
           i % 3 ? std::vector<std::string>{} : std::vector<std::string>{i % 2 ? "bob" : "ann"});
}

bool copy_left(Store& s) {
  auto cp = s.rows->checkpoint(Rebuilder::copy_name("timeline"));
  REQUIRE(cp.ok());
  bool any = false;
  REQUIRE(s.rows->scan(Rebuilder::copy_name("timeline"), "", "", false,
                       [&](std::string_view, std::string_view) { return !(any = true); }));
  return any || cp->position > 0;
}

bool verified(Store& s) {
  auto r = verify(*s.log, *s.rows, {&s.live});
  REQUIRE(r.ok());
  return r->at("verified").get<bool>();
}

TEST_CASE("a rebuild of an intact projection proves it equals the live one and swaps it in") {
  Store s;
  some_facts(s, 40);
  const auto before = digest(*s.rows, "timeline", s.projection);
  REQUIRE(before.ok());
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  CHECK_FALSE(rebuilder.needed());
  const auto out = rebuilder.run("requested");
  CAPTURE(out.detail);
  CHECK(out.result == "verified");
  CHECK(out.position == s.log->head());
  CHECK(out.digest == before->hex);
  CHECK(out.live_digest == before->hex);
  CHECK(s.live.position() == s.log->head());
  CHECK_FALSE(copy_left(s));
  CHECK(verified(s));
  REQUIRE(rebuilder.last());
  CHECK(rebuilder.status().at("last_rebuild").at("result") == "verified");
}

TEST_CASE("a rebuild repairs live rows that differ from the log, proven by a replay") {
  Store s;
  some_facts(s, 20);
  s.raw_sql_read_models(
      "DELETE FROM projection_rows WHERE projection = 'timeline' AND key = CAST('c/bob' AS BLOB)");
  CHECK_FALSE(verified(s));
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  const auto out = rebuilder.run("requested");
  CAPTURE(out.detail);
  CHECK(out.result == "repaired");
  CHECK(out.digest == out.replay_digest);
  CHECK(out.live_digest != out.digest);
  CHECK(verified(s));
  CHECK(s.reader.profile("bob").ok());
}

TEST_CASE(
    "rows of another code version keep serving, take new events, and are replaced by an upgrade") {
  Store s;
  some_facts(s, 20);
  // As if an older Starlog had written them.
  s.raw_sql_read_models(
      "UPDATE projection_checkpoints SET code_version = 0 WHERE projection = 'timeline'");
  REQUIRE(s.live.catch_up().ok());
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  CHECK(rebuilder.needed());
  CHECK(s.reader.timeline(TimelineQuery{.celebrity = "ann"}, s.live.position()).ok());
  // New events are folded onto the old rows, which stay marked as old.
  s.fact("ann", "Meanwhile", "2024");
  CHECK(s.live.position() == s.log->head());
  CHECK(s.rows->checkpoint("timeline")->code_version == 0);
  const auto out = rebuilder.run("code_version");
  CAPTURE(out.detail);
  CHECK(out.result == "upgraded");
  CHECK(out.digest == out.replay_digest);
  CHECK_FALSE(rebuilder.needed());
  CHECK(s.rows->checkpoint("timeline")->code_version == TimelineProjection::kCodeVersion);
  CHECK(verified(s));
}

TEST_CASE("reads never fail or change and appends keep being folded while a rebuild runs") {
  Store s;
  some_facts(s, 300);
  s.register_celebrity("quiet", "Quiet");
  s.fact("quiet", "Untouched", "2001");
  const TimelineQuery quiet{.celebrity = "quiet"};
  const Json quiet_before = s.reader.timeline(quiet, 0).value();
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  const std::int64_t head_at_start = s.log->head();
  REQUIRE(rebuilder.start("requested", {.max_rate = 600}));  // about half a second
  std::atomic<bool> done{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    // Appends as the API makes them: append, then catch the live rows up.
    store::SqliteEventStore& log = *s.log;
    for (int i = 0; !done; ++i) {
      store::AppendRequest r{"ann",
                             store::Expected::any(),
                             {testing::new_event(100000 + i, "album_released",
                                                 {{"title", "W" + std::to_string(i)}}, "2022")},
                             false,
                             "alice"};
      REQUIRE(log.append(r).ok());
      REQUIRE(s.live.catch_up().ok());
      ++appended;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  int reads_while_rebuilding = 0;
  std::int64_t last_position = 0;
  while (rebuilder.running()) {
    const std::int64_t p = s.live.position();
    CHECK(p >= last_position);  // never backwards, not even at the swap
    last_position = p;
    auto doc = s.reader.timeline(quiet, 0);
    REQUIRE_MESSAGE(doc.ok(), doc.status().message());
    CHECK(*doc == quiet_before);
    auto ann = s.reader.profile("ann");
    REQUIRE(ann.ok());
    ++reads_while_rebuilding;
  }
  done = true;
  writer.join();
  rebuilder.wait();
  // Order, not timing: reads ran while the rebuild did, and the swapped-in
  // copy was proven at a position past the log's head when it started, so
  // appends made meanwhile were folded into it.
  CHECK(reads_while_rebuilding > 0);
  CHECK(appended > 0);
  REQUIRE(rebuilder.last());
  CAPTURE(rebuilder.last()->detail);
  CHECK(rebuilder.last()->result == "verified");
  CHECK(rebuilder.last()->position > head_at_start);
  REQUIRE(s.live.catch_up().ok());
  CHECK(s.live.position() == s.log->head());
  CHECK(verified(s));
}

TEST_CASE("a stopped rebuild leaves its copy, and the next one resumes from it") {
  Store s;
  some_facts(s, 200);
  {
    Rebuilder first(*s.log, *s.rows, s.live, s.clock);
    REQUIRE(first.start("requested", {.max_rate = 100}));
    while (s.rows->checkpoint(Rebuilder::copy_name("timeline"))->position == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }  // destroyed mid-way: stopped
  const std::int64_t left = s.rows->checkpoint(Rebuilder::copy_name("timeline"))->position;
  CHECK(left > 0);
  CHECK(left < s.log->head());
  Rebuilder second(*s.log, *s.rows, s.live, s.clock);
  const auto out = second.run("requested");
  CHECK(out.result == "verified");
  CHECK_FALSE(copy_left(s));
  SUBCASE("a copy left between the slices of a batch is started over") {
    REQUIRE(s.rows
                ->commit(Rebuilder::copy_name("timeline"), {{"junk", "x"}},
                         {left, Projector::kUnfinished})
                .is_ok());
    const auto again = second.run("requested");
    CAPTURE(again.detail);
    CHECK(again.result == "verified");
    CHECK_FALSE(copy_left(s));
  }
  SUBCASE("a copy left by another code version is started over") {
    REQUIRE(s.rows->commit(Rebuilder::copy_name("timeline"), {{"junk", "x"}}, {3, 99}).is_ok());
    const auto again = second.run("requested");
    CAPTURE(again.detail);
    CHECK(again.result == "verified");
    CHECK_FALSE(copy_left(s));
  }
}

TEST_CASE("only one rebuild runs at a time, and an empty log rebuilds to nothing") {
  Store s;
  Rebuilder rebuilder(*s.log, *s.rows, s.live, s.clock);
  CHECK(rebuilder.run("requested").result == "verified");
  some_facts(s, 100);
  REQUIRE(rebuilder.start("requested", {.max_rate = 200}));
  CHECK_FALSE(rebuilder.start("requested"));
  CHECK(rebuilder.run("requested").result == "error");
  const Json st = rebuilder.status();
  CHECK(st.at("status") == "rebuilding");
  rebuilder.wait();
  CHECK(rebuilder.status().at("status") == "live");
  CHECK(rebuilder.last()->result == "verified");
}

}  // namespace
}  // namespace starlog::projections

namespace starlog::projections {
namespace {

// A fold that is not deterministic: every fold writes another value.
class Forgetful final : public Projection {
 public:
  std::string_view name() const override { return "forgetful"; }
  std::int64_t code_version() const override { return 1; }
  Status apply(const domain::Event& e, PendingRows& rows) override {
    rows.put("last", std::to_string(e.position) + "/" + std::to_string(++folds_));
    return Status::ok();
  }

 private:
  int folds_ = 0;
};

TEST_CASE("a rebuild that cannot be proven swaps nothing and says so") {
  Store s;
  some_facts(s, 10);
  Forgetful forgetful;
  Projector live(*s.log, *s.rows, forgetful);
  REQUIRE(live.catch_up().ok());
  const auto before = digest(*s.rows, "forgetful");
  Rebuilder rebuilder(*s.log, *s.rows, live, s.clock);
  const auto out = rebuilder.run("requested");
  CAPTURE(out.detail);
  CHECK(out.result == "failed");
  CHECK(out.digest != out.replay_digest);
  CHECK(digest(*s.rows, "forgetful")->hex == before->hex);  // the live rows are untouched
  CHECK(s.rows->checkpoint(Rebuilder::copy_name("forgetful"))->position == 0);
}

}  // namespace
}  // namespace starlog::projections
