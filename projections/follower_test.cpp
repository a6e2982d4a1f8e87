#include "projections/follower.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "projections/digest.h"
#include "projections/test_log.h"

namespace starlog::projections {
namespace {

using testing::Store;
using namespace std::chrono_literals;

TEST_CASE("a Follower folds appends in the background, and readers wait for their position") {
  Store s;
  // A second copy of the timeline that only the Follower folds.
  Projector followed(*s.log, *s.rows, s.projection, "timeline-followed");
  Follower follower(followed, *s.log);
  s.register_celebrity("ann", "Ann");
  for (int i = 0; i < 20; ++i) s.fact("ann", "Album " + std::to_string(i), "2001");
  follower.wake();
  REQUIRE(follower.wait_for(s.log->head(), 10s));
  CHECK(followed.position() == s.log->head());
  // The same rows as the projection folded on the appending thread.
  CHECK(digest(*s.rows, "timeline-followed")->hex == digest(*s.rows, "timeline")->hex);
  // A position already folded answers at once.
  CHECK(follower.wait_for(1, 0ms));
}

TEST_CASE("on_folded hears each catch-up's position, and on_folded({}) silences it") {
  Store s;
  Projector followed(*s.log, *s.rows, s.projection, "timeline-followed");
  Follower follower(followed, *s.log);
  std::mutex mu;
  std::vector<std::int64_t> heard;
  follower.on_folded([&](std::int64_t p) {
    std::lock_guard lock(mu);
    heard.push_back(p);
  });
  s.register_celebrity("ann", "Ann");
  for (int i = 0; i < 5; ++i) {
    s.fact("ann", "Album " + std::to_string(i), "2001");
    REQUIRE(follower.wait_for(s.log->head(), 10s));
  }
  // The last catch-up is heard once its readers were told; wait for it.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (!heard.empty() && heard.back() == s.log->head()) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  {
    std::lock_guard lock(mu);
    REQUIRE(!heard.empty());
    CHECK(heard.back() == s.log->head());
    CHECK(std::is_sorted(heard.begin(), heard.end()));
    CHECK(std::adjacent_find(heard.begin(), heard.end()) == heard.end());  // each moved it
  }
  follower.on_folded({});
  const std::size_t before = heard.size();
  s.fact("ann", "Later", "2002");
  REQUIRE(follower.wait_for(s.log->head(), 10s));
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(mu);
  CHECK(heard.size() == before);
}

TEST_CASE("a Follower given a bulk batch folds a backlog into the same rows, beside the appends") {
  Store s;
  Projector followed(*s.log, *s.rows, s.projection, "timeline-bulk");
  Follower follower(followed, *s.log, {}, Projector::kBulk);
  s.register_celebrity("ann", "Ann");
  s.register_celebrity("bob", "Bob");
  for (int i = 0; i < 600; ++i) {  // more than one page of the live batch
    s.fact(i % 2 ? "ann" : "bob", "Album " + std::to_string(i), std::to_string(1950 + i % 70));
    if (i % 100 == 0) follower.wake();
  }
  follower.wake();
  REQUIRE(follower.wait_for(s.log->head(), 30s));
  CHECK(followed.position() == s.log->head());
  CHECK(digest(*s.rows, "timeline-bulk")->hex == digest(*s.rows, "timeline")->hex);
}

TEST_CASE("appends from many threads: every reader sees the position its append ended at") {
  Store s;
  Projector followed(*s.log, *s.rows, s.projection, "timeline-followed");
  Follower follower(followed, *s.log);
  s.register_celebrity("ann", "Ann");
  std::atomic<int> seen{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        store::AppendRequest r{"ann",
                               store::Expected::any(),
                               {testing::new_event(1000 + t * 100 + i, "album_released",
                                                   {{"title", "T" + std::to_string(i)}}, "2020")},
                               false,
                               "alice"};
        auto res = s.log->append(r);
        REQUIRE(res.ok());
        follower.wake();
        // What a read started after this append's answer waits for.
        if (follower.wait_for(res->events.back().position, 10s) &&
            followed.position() >= res->events.back().position)
          ++seen;
      }
    });
  }
  for (auto& w : writers) w.join();
  CHECK(seen == 100);
  REQUIRE(follower.wait_for(s.log->head(), 10s));
  REQUIRE(s.live.catch_up().ok());
  CHECK(digest(*s.rows, "timeline-followed")->hex == digest(*s.rows, "timeline")->hex);
}

// A fold that fails on every fact: the log cannot be folded past it.
class BrokenProjection final : public Projection {
 public:
  std::string_view name() const override { return "broken"; }
  std::int64_t code_version() const override { return 1; }
  Status apply(const domain::Event& e, PendingRows& rows) override {
    if (e.type != "celebrity_registered") return Status::corrupt("cannot fold " + e.type);
    rows.put("c/" + e.stream, "x");
    return Status::ok();
  }
};

TEST_CASE("a fold that fails is reported and retried, and waiting readers time out") {
  Store s;
  BrokenProjection broken;
  Projector projector(*s.log, *s.rows, broken);
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex mu;
  Follower follower(projector, *s.log, [&](const Status& st) {
    std::lock_guard lock(mu);
    if (errors++ == 0) first_error = st.message();
  });
  s.register_celebrity("ann", "Ann");
  const std::int64_t registered = s.log->head();
  REQUIRE(follower.wait_for(registered, 10s));
  s.fact("ann", "Album", "2001");
  follower.wake();
  CHECK_FALSE(follower.wait_for(s.log->head(), 200ms));
  for (int i = 0; i < 500 && errors == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(errors >= 1);
  std::lock_guard lock(mu);
  CHECK(first_error.find("cannot fold album_released") != std::string::npos);
  CHECK(projector.position() == registered);  // nothing of the failed page committed
}

}  // namespace
}  // namespace starlog::projections
