// The PostgreSQL store as several nodes use it: two stores on one database
// (as two `starlog serve` processes would hold them), on a throwaway server.
// The contract every backend keeps is store/event_store_contract_test.cpp.
#include "store/pg_event_store.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "domain/hash_chain.h"
#include "store/pg_test_support.h"

namespace starlog::store {
namespace {

using domain::Event;
using domain::NewEvent;

constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewEvent event(int n, std::string type, Json data, std::optional<std::string> occurred = {}) {
  NewEvent e;
  e.id = uuid(n);
  e.type = std::move(type);
  e.data = std::move(data);
  e.occurred = std::move(occurred);
  return e;
}

AppendRequest request(const std::string& stream, NewEvent e, Expected expected = Expected::any()) {
  AppendRequest r;
  r.stream = stream;
  r.expected = expected;
  r.events = {std::move(e)};
  r.recorded_by = "node";
  return r;
}

struct TwoNodes {
  domain::FakeClock clock{kStart};
  std::string uri = testing::PgTestCluster::instance().fresh_database();
  std::unique_ptr<PgEventStore> a = open();
  std::unique_ptr<PgEventStore> b = open();
  std::unique_ptr<PgEventStore> open() {
    auto s = PgEventStore::open(uri, clock);
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    return std::move(*s);
  }
};

TEST_CASE("two nodes appending at once: positions gap-free in commit order, the chain intact") {
  TwoNodes n;
  REQUIRE(n.a->append(request("s", event(1, "celebrity_registered", {{"name", "S"}}))).ok());
  constexpr int kEach = 60;
  std::atomic<int> failures{0};
  auto writer = [&](PgEventStore& node, int base) {
    for (int i = 0; i < kEach; ++i) {
      auto r =
          node.append(request("s", event(base + i, "song_released",
                                         {{"title", "Song " + std::to_string(base + i)}}, "2021")));
      if (!r.ok()) ++failures;
    }
  };
  std::thread ta(writer, std::ref(*n.a), 1000);
  std::thread tb(writer, std::ref(*n.b), 2000);
  ta.join();
  tb.join();
  CHECK(failures == 0);
  auto log = n.b->read_all(0, 10'000);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1 + 2 * kEach);
  domain::ChainVerifier v;
  for (const Event& e : *log) CHECK(v.check(e, domain::content_digest(e)) == "");
  CHECK(v.ok());
  CHECK(n.a->head() == 1 + 2 * kEach);
  CHECK(n.b->head() == 1 + 2 * kEach);
}

TEST_CASE(
    "an If-Match race across nodes: one wins, one gets 412; a retry on the other node is 200") {
  TwoNodes n;
  REQUIRE(n.a->append(request("s", event(1, "celebrity_registered", {{"name", "S"}}))).ok());
  auto won = n.a->append(
      request("s", event(2, "song_released", {{"title", "A"}}, "2021"), Expected::exact(1)));
  REQUIRE(won.ok());
  auto lost = n.b->append(
      request("s", event(3, "song_released", {{"title", "B"}}, "2021"), Expected::exact(1)));
  CHECK(lost.status().code() == Code::precondition_failed);
  CHECK(lost.status().actual() == 2);
  // The first request again, on the other node (its answer was lost, say).
  auto retry = n.b->append(
      request("s", event(2, "song_released", {{"title", "A"}}, "2021"), Expected::exact(1)));
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->created);
  CHECK(retry->events[0].position == won->events[0].position);
}

TEST_CASE("a node hears of another node's appends (LISTEN/NOTIFY)") {
  // Declared before the stores, so they outlive the stores' listener threads.
  std::mutex mu;
  std::condition_variable cv;
  std::int64_t heard = 0;
  TwoNodes n;
  n.b->on_commit([&](std::int64_t h) {
    std::lock_guard lock(mu);
    heard = std::max(heard, h);
    cv.notify_all();
  });
  REQUIRE(n.a->append(request("s", event(1, "celebrity_registered", {{"name", "S"}}))).ok());
  std::unique_lock lock(mu);
  CHECK(cv.wait_for(lock, std::chrono::seconds(20), [&] { return heard >= 1; }));
}

TEST_CASE("a takedown erases the content from the tables, and the triggers refuse other updates") {
  TwoNodes n;
  REQUIRE(n.a->append(request("s", event(1, "celebrity_registered", {{"name", "S"}}))).ok());
  REQUIRE(
      n.a->append(request("s", event(2, "statement_made", {{"quote", "Qzvlemarker said"}}, "2021")))
          .ok());
  REQUIRE(n.b->append(request("s", event(3, "content_taken_down",
                                         {{"fact_id", uuid(2)}, {"reason", "court order"}})))
              .ok());
  auto raw = PgConnection::open(n.uri);
  REQUIRE(raw.ok());
  auto found = (*raw)->query(
      "SELECT count(*) FROM events WHERE data LIKE '%Qzvlemarker%' OR sources LIKE "
      "'%Qzvlemarker%'");
  REQUIRE(found.ok());
  CHECK(found->int64(0, 0) == 0);
  // As the psql shell would: anything but the lawful erasure is refused.
  CHECK_FALSE((*raw)->run("UPDATE events SET data = '{\"x\":1}' WHERE position = 1").is_ok());
  CHECK_FALSE((*raw)->run("DELETE FROM events WHERE position = 1").is_ok());
  CHECK_FALSE((*raw)->run("TRUNCATE events").is_ok());
  auto e = n.a->find_event(uuid(2));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK((*e)->taken_down());
  CHECK((*e)->erasure->by == uuid(3));
}

}  // namespace
}  // namespace starlog::store
