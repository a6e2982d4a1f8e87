#include "store/sqlite_event_store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "domain/hash_chain.h"
#include "store/sqlite_test_support.h"

namespace starlog::store {
namespace {

using namespace std::chrono_literals;
using domain::Event;
using domain::NewEvent;
using testing::TempDir;

constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};  // 2025-11-26

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewEvent registered(int n, const std::string& name) {
  NewEvent e;
  e.id = uuid(n);
  e.type = "celebrity_registered";
  e.data = {{"name", name}};
  return e;
}

NewEvent album(int n, const std::string& title, const std::string& occurred = "2021-08-29") {
  NewEvent e;
  e.id = uuid(n);
  e.type = "album_released";
  e.occurred = occurred;
  e.data = {{"title", title}};
  e.sources = Json::array({{{"url", "https://www.thesun.co.uk/"}, {"publisher", "The Sun"}}});
  return e;
}

NewEvent retraction(int n, const std::string& fact_id) {
  NewEvent e;
  e.id = uuid(n);
  e.type = "fact_retracted";
  e.data = {{"fact_id", fact_id}, {"reason", "the source withdrew the story"}};
  return e;
}

AppendRequest request(const std::string& stream, std::vector<NewEvent> events,
                      Expected expected = Expected::any()) {
  AppendRequest r;
  r.stream = stream;
  r.expected = expected;
  r.is_batch = events.size() > 1;
  r.events = std::move(events);
  r.recorded_by = "alice";
  return r;
}

// A store on a fresh file, which can be closed and reopened.
struct Fixture {
  TempDir tmp;
  domain::FakeClock clock{kStart};
  std::shared_ptr<SqliteDatabase> db;
  std::unique_ptr<SqliteEventStore> store;

  Fixture() { reopen(); }
  void reopen() {
    store.reset();
    db.reset();
    db = testing::open_db(tmp.path());
    auto s = SqliteEventStore::open(db, clock);
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    store = std::move(*s);
  }
  AppendResult append_ok(const AppendRequest& r) {
    auto res = store->append(r);
    REQUIRE_MESSAGE(res.ok(), res.status().message());
    return *res;
  }
  std::vector<Event> all() {
    auto r = store->read_all(0, 1'000'000);
    REQUIRE(r.ok());
    return *r;
  }
  std::int64_t version(const std::string& stream) {
    auto v = store->stream_version(stream);
    REQUIRE(v.ok());
    return *v;
  }
};

// The chain recomputed from genesis over the whole log; "" when it holds,
// else what is wrong where.
std::string chain_problem(const std::vector<Event>& log) {
  std::string previous = domain::genesis_hash();
  std::int64_t position = 0;
  for (const Event& e : log) {
    if (e.position != position + 1) return "gap before position " + std::to_string(e.position);
    if (domain::chain_hash(previous, e) != e.hash)
      return "break at position " + std::to_string(e.position);
    previous = e.hash;
    position = e.position;
  }
  return "";
}

// Versions 1..n without gaps for every stream, in log order.
bool versions_gap_free(const std::vector<Event>& log) {
  std::map<std::string, std::int64_t> last;
  for (const Event& e : log) {
    if (e.version != last[e.stream] + 1) return false;
    last[e.stream] = e.version;
  }
  return true;
}

TEST_CASE("appending assigns versions and positions from 1 and the recorded fields") {
  Fixture f;
  auto r = f.append_ok(request("kanye-west", {registered(1, "Kanye West"), album(2, "Donda")}));
  CHECK(r.created);
  CHECK(r.stream_version == 2);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].id == uuid(1));
  CHECK(r.events[0].version == 1);
  CHECK(r.events[0].position == 1);
  CHECK(r.events[1].version == 2);
  CHECK(r.events[1].position == 2);
  CHECK(f.store->head() == 2);
  CHECK(f.version("kanye-west") == 2);
  CHECK(f.version("nobody") == 0);

  auto stream = f.store->read_stream("kanye-west", 1, 100);
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 2);
  const Event& e = (*stream)[1];
  CHECK(e.id == uuid(2));
  CHECK(e.stream == "kanye-west");
  CHECK(e.type == "album_released");
  CHECK(e.occurred == std::optional<std::string>("2021-08-29"));
  CHECK(e.data == Json{{"title", "Donda"}});
  CHECK(e.sources == album(2, "Donda").sources);
  CHECK(e.participants == Json::array());
  CHECK(e.recorded_at == kStart);
  CHECK(e.recorded_by == "alice");
  CHECK(e.hash.size() == 64);
  CHECK_FALSE((*stream)[0].occurred.has_value());

  auto found = f.store->find_event(uuid(2));
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK(domain::to_json(**found) == domain::to_json(e));
  auto missing = f.store->find_event(uuid(99));
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("reads honour from_version, after and limit") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "One"), album(3, "Two")}));
  f.append_ok(request("b", {registered(4, "B")}));
  f.append_ok(request("a", {album(5, "Three")}));

  auto s = f.store->read_stream("a", 2, 2);
  REQUIRE(s.ok());
  REQUIRE(s->size() == 2);
  CHECK((*s)[0].version == 2);
  CHECK((*s)[1].version == 3);
  auto rest = f.store->read_stream("a", 4, 100);
  REQUIRE(rest.ok());
  REQUIRE(rest->size() == 1);
  CHECK((*rest)[0].position == 5);

  auto log = f.store->read_all(3, 1);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK((*log)[0].position == 4);
  CHECK((*log)[0].stream == "b");
  CHECK(f.store->read_all(5, 10)->empty());
  CHECK(f.store->read_all(0, 0)->empty());
  CHECK(f.store->read_stream("a", 1, 0)->empty());
}

TEST_CASE("versions are per stream and positions span the log, both without gaps") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  f.append_ok(request("b", {registered(2, "B")}));
  f.append_ok(request("a", {album(3, "A1"), album(4, "A2")}));
  auto r = f.append_ok(request("b", {album(5, "B1")}));
  CHECK(r.events[0].version == 2);
  CHECK(r.events[0].position == 5);
  auto log = f.all();
  REQUIRE(log.size() == 5);
  for (std::size_t i = 0; i < log.size(); ++i)
    CHECK(log[i].position == static_cast<std::int64_t>(i + 1));
  CHECK(versions_gap_free(log));
}

TEST_CASE("the expected version is checked: any, no_stream and exact") {
  Fixture f;
  SUBCASE("no_stream holds for a new stream and fails once it exists") {
    f.append_ok(request("a", {registered(1, "A")}, Expected::no_stream()));
    auto r = f.store->append(request("a", {album(2, "X")}, Expected::no_stream()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::precondition_failed);
    CHECK(r.status().expected() == -1);
    CHECK(r.status().actual() == 1);
  }
  SUBCASE("exact holds at that version and fails with expected and actual") {
    f.append_ok(request("a", {registered(1, "A")}, Expected::exact(0)));
    f.append_ok(request("a", {album(2, "X")}, Expected::exact(1)));
    auto r = f.store->append(request("a", {album(3, "Y")}, Expected::exact(1)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::precondition_failed);
    CHECK(r.status().expected() == 1);
    CHECK(r.status().actual() == 2);
  }
  SUBCASE("any always holds") {
    f.append_ok(request("a", {registered(1, "A")}));
    f.append_ok(request("a", {album(2, "X")}));
  }
  CHECK(f.store->find_event(uuid(3))->has_value() == false);
  CHECK(f.store->head() == f.version("a"));
}

TEST_CASE(
    "a retry of a stored request returns the original answer even with a stale expected version") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  const auto req = request("a", {album(2, "X"), album(3, "Y")}, Expected::exact(1));
  auto first = f.append_ok(req);
  f.append_ok(request("a", {album(4, "Z")}));  // the stream moves on

  auto retry = f.append_ok(req);
  CHECK_FALSE(retry.created);
  REQUIRE(retry.events.size() == 2);
  CHECK(retry.events[0].id == uuid(2));
  CHECK(retry.events[0].version == first.events[0].version);
  CHECK(retry.events[0].position == first.events[0].position);
  CHECK(retry.events[1].position == first.events[1].position);
  CHECK(retry.stream_version == first.stream_version);  // the original answer, not the stream's now
  CHECK(f.store->head() == 4);
  CHECK(f.all().size() == 4);
}

TEST_CASE("an id stored with other content or in another stream is duplicate_id") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  f.append_ok(request("b", {registered(3, "B")}));
  SUBCASE("other content") {
    auto r = f.store->append(request("a", {album(2, "Not X")}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::duplicate_id);
    CHECK(r.status().message().find(uuid(2)) != std::string::npos);
  }
  SUBCASE("same content, other stream") {
    auto r = f.store->append(request("b", {album(2, "X")}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::duplicate_id);
  }
  SUBCASE("decided before the expected version") {
    auto r = f.store->append(request("a", {album(2, "Not X")}, Expected::exact(7)));
    CHECK(r.status().code() == Code::duplicate_id);
  }
  CHECK(f.store->head() == 3);
}

TEST_CASE("a batch of which only some ids are stored is duplicate_id and writes nothing") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  auto r = f.store->append(request("a", {album(2, "X"), album(3, "Y")}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::duplicate_id);
  CHECK(r.status().message().find(uuid(2)) != std::string::npos);
  CHECK(f.store->head() == 2);
  CHECK_FALSE(f.store->find_event(uuid(3))->has_value());
}

TEST_CASE("a stream id that is not a celebrity id is invalid") {
  Fixture f;
  for (const char* stream : {"", "Kanye West", "-a", "a/b"}) {
    auto r = f.store->append(request(stream, {registered(1, "A")}));
    INFO(stream);
    CHECK(r.status().code() == Code::invalid);
  }
  CHECK(f.store->head() == 0);
}

TEST_CASE("a batch naming one id twice is invalid at /i/id") {
  Fixture f;
  auto r = f.store->append(request("a", {registered(1, "A"), album(2, "X"), album(2, "X")}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::invalid);
  REQUIRE(r.status().errors().size() == 1);
  CHECK(r.status().errors()[0].pointer == "/2/id");
  CHECK(f.store->head() == 0);
}

TEST_CASE("an append breaking a rule writes nothing") {
  Fixture f;
  SUBCASE("the first event of a stream must register the celebrity") {
    auto r = f.store->append(request("a", {album(1, "X")}));
    CHECK(r.status().code() == Code::invalid);
    CHECK(f.store->head() == 0);
  }
  SUBCASE("a batch with one bad event writes none of it") {
    f.append_ok(request("a", {registered(1, "A")}));
    NewEvent bad = album(4, "Z");
    bad.participants = Json::array({{{"celebrity", "not-registered"}}});
    auto r = f.store->append(request("a", {album(2, "X"), album(3, "Y"), bad}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::invalid);
    REQUIRE_FALSE(r.status().errors().empty());
    CHECK(r.status().errors()[0].pointer.rfind("/2/", 0) == 0);
    CHECK(f.store->head() == 1);
    CHECK(f.version("a") == 1);
    CHECK_FALSE(f.store->find_event(uuid(2))->has_value());
  }
  SUBCASE("registering twice in one batch") {
    auto r = f.store->append(request("a", {registered(1, "A"), registered(2, "A again")}));
    CHECK(r.status().code() == Code::invalid);
    CHECK(f.store->head() == 0);
  }
  SUBCASE("retracting a retracted fact is a conflict") {
    f.append_ok(request("a", {registered(1, "A"), album(2, "X"), retraction(3, uuid(2))}));
    auto r = f.store->append(request("a", {retraction(4, uuid(2))}));
    CHECK(r.status().code() == Code::conflict);
    CHECK(f.store->head() == 3);
  }
  SUBCASE("retracting a fact of another stream") {
    f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
    f.append_ok(request("b", {registered(3, "B")}));
    auto r = f.store->append(request("b", {retraction(4, uuid(2))}));
    CHECK(r.status().code() == Code::invalid);
    CHECK(f.store->head() == 3);
  }
}

TEST_CASE("read_fact returns the recording event and its amendments in log order") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X"), album(3, "Y")}));
  f.append_ok(request("a", {retraction(4, uuid(2))}));
  auto fact = f.store->read_fact(uuid(2));
  REQUIRE(fact.ok());
  REQUIRE(fact->size() == 2);
  CHECK((*fact)[0].id == uuid(2));
  CHECK((*fact)[1].id == uuid(4));
  CHECK(f.store->read_fact(uuid(1))->empty());  // a profile event records no fact
  CHECK(f.store->read_fact("")->empty());
}

TEST_CASE("the hash chain links every event from genesis") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  f.clock.advance(1500ms);
  f.append_ok(request("b", {registered(3, "B")}));
  f.append_ok(request("a", {retraction(4, uuid(2))}));
  auto log = f.all();
  REQUIRE(log.size() == 4);
  CHECK(chain_problem(log) == "");
  CHECK(log[2].recorded_at == kStart + 1500ms);
}

TEST_CASE("recorded time never runs backwards along the log") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  f.clock.advance(-10s);  // e.g. the system clock was stepped back
  f.append_ok(request("a", {album(2, "X")}));
  auto log = f.all();
  CHECK(log[1].recorded_at == log[0].recorded_at);
}

TEST_CASE("reopening the file keeps every event and continues the chain") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  const auto before = f.all();
  f.reopen();
  CHECK(f.store->head() == 2);
  CHECK(f.version("a") == 2);
  auto after = f.all();
  REQUIRE(after.size() == 2);
  CHECK(domain::to_json(after[1]) == domain::to_json(before[1]));
  auto r = f.append_ok(request("a", {album(3, "Y")}));
  CHECK(r.events[0].position == 3);
  CHECK(r.events[0].version == 3);
  CHECK(chain_problem(f.all()) == "");
}

TEST_CASE("the events table refuses UPDATE, DELETE and rewriting inserts from raw SQL") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  const auto before = f.all();

  sqlite3* raw = nullptr;  // as the sqlite3 shell would, on the same file
  REQUIRE(sqlite3_open(f.tmp.path().c_str(), &raw) == SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  auto refused = [&](const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    INFO(sql);
    CHECK(rc != SQLITE_OK);
    CHECK(msg.find("append-only") != std::string::npos);
  };
  refused("UPDATE events SET data = '{\"title\":\"Y\"}' WHERE position = 2");
  refused("DELETE FROM events WHERE position = 2");
  refused("DELETE FROM events");
  // REPLACE deletes the conflicting row without firing delete triggers; the
  // insert trigger stops it first.
  refused("INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 2");
  refused(
      "INSERT INTO events(position, id, stream, version, type, data, participants, sources,"
      " recorded_at, recorded_by, content_digest, hash) VALUES(7, 'x', 'a', 3, 't', '{}', '[]',"
      " '[]', 0, 'mallory', '', '')");
  sqlite3_close(raw);

  auto after = f.all();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].hash == before[i].hash);
  CHECK(chain_problem(after) == "");
}

TEST_CASE("concurrent appends get gap-free positions and versions") {
  Fixture f;
  constexpr int kThreads = 4;
  constexpr int kAppends = 50;
  f.append_ok(request("shared", {registered(1, "Shared")}));
  for (int t = 0; t < kThreads; ++t)
    f.append_ok(request("own-" + std::to_string(t), {registered(10 + t, "Own")}));
  std::atomic<int> notified{0};
  std::atomic<std::int64_t> last_notified{0};
  f.store->on_commit([&](std::int64_t head) {
    notified.fetch_add(1);
    std::int64_t seen = last_notified.load();
    while (head > seen && !last_notified.compare_exchange_weak(seen, head)) {
    }
  });

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        const int n = 1000 + t * kAppends + i;
        const std::string stream = i % 2 == 0 ? "shared" : "own-" + std::to_string(t);
        auto r = f.store->append(request(stream, {album(n, "T" + std::to_string(n))}));
        if (!r.ok() || !r->created) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  // One wake-up per group commit, never more than one per append; the last
  // one names the head.
  CHECK(notified.load() >= 1);
  CHECK(notified.load() <= kThreads * kAppends);
  const auto stats = f.store->group_stats();
  CHECK(stats.groups == notified.load() + 1 + kThreads);  // + the set-up appends
  CHECK(stats.requests == 1 + kThreads + kThreads * kAppends);

  auto log = f.all();
  const std::size_t expected = 1 + kThreads + kThreads * kAppends;
  REQUIRE(log.size() == expected);
  CHECK(f.store->head() == static_cast<std::int64_t>(expected));
  CHECK(last_notified.load() == static_cast<std::int64_t>(expected));
  for (std::size_t i = 0; i < log.size(); ++i)
    CHECK(log[i].position == static_cast<std::int64_t>(i + 1));
  CHECK(versions_gap_free(log));
  CHECK(f.version("shared") == 1 + kThreads * kAppends / 2);
  CHECK(chain_problem(log) == "");
}

TEST_CASE("append_all: in order, in one group commit, each request with its own verdict") {
  Fixture f;
  const auto before = f.store->group_stats();
  std::vector<AppendRequest> requests;
  requests.push_back(request("a", {registered(1, "A")}));
  requests.push_back(request("a", {album(2, "First")}));
  requests.push_back(request("nobody", {album(3, "Refused: no such celebrity")}));
  requests.push_back(request("a", {album(4, "Second")}, Expected::exact(2)));
  requests.push_back(request("a", {album(5, "Stale")}, Expected::exact(1)));
  requests.push_back(request("NOT A SLUG", {album(6, "Refused before queueing")}));
  requests.push_back(request("a", {album(2, "First")}));  // a retry of the second
  const auto out = f.store->append_all(requests);
  REQUIRE(out.size() == requests.size());
  REQUIRE(out[0].ok());
  REQUIRE(out[1].ok());
  CHECK_FALSE(out[2].ok());
  CHECK(out[2].status().code() == Code::invalid);
  REQUIRE(out[3].ok());
  CHECK(out[3]->stream_version == 3);
  CHECK_FALSE(out[4].ok());
  CHECK(out[4].status().code() == Code::precondition_failed);
  CHECK_FALSE(out[5].ok());
  CHECK(out[5].status().code() == Code::invalid);
  REQUIRE(out[6].ok());
  CHECK_FALSE(out[6]->created);
  CHECK(out[6]->events[0].position == out[1]->events[0].position);
  // File order, no gaps: the refused requests took no positions.
  CHECK(out[0]->events[0].position == 1);
  CHECK(out[1]->events[0].position == 2);
  CHECK(out[3]->events[0].position == 3);
  CHECK(f.store->head() == 3);
  const auto after = f.store->group_stats();
  CHECK(after.groups - before.groups == 1);  // one transaction, one fsync
  CHECK(after.requests - before.requests == 6);
}

TEST_CASE("group commit: each request of a group gets its own answer, refusals write nothing") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  // Many threads at once, so requests share groups: per stream, one good
  // append with If-Match on the version it expects, one stale If-Match, one
  // rule breaker (an unregistered stream), and one retry of the good one.
  constexpr int kThreads = 16;
  struct Outcome {
    Result<AppendResult> good = Status::io_error("not run");
    Result<AppendResult> stale = Status::io_error("not run");
    Result<AppendResult> unregistered = Status::io_error("not run");
    Result<AppendResult> retry = Status::io_error("not run");
  };
  std::vector<Outcome> out(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t) {
    f.append_ok(request("s" + std::to_string(t), {registered(100 + t, "S")}));
  }
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      const std::string stream = "s" + std::to_string(t);
      out[t].good = f.store->append(request(stream, {album(200 + t, "G")}, Expected::exact(1)));
      out[t].stale = f.store->append(request(stream, {album(300 + t, "S")}, Expected::exact(1)));
      out[t].unregistered =
          f.store->append(request("nobody-" + std::to_string(t), {album(400 + t, "U")}));
      out[t].retry = f.store->append(request(stream, {album(200 + t, "G")}, Expected::exact(1)));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    CAPTURE(t);
    REQUIRE(out[t].good.ok());
    CHECK(out[t].good->created);
    CHECK(out[t].good->stream_version == 2);
    REQUIRE_FALSE(out[t].stale.ok());
    CHECK(out[t].stale.status().code() == Code::precondition_failed);
    REQUIRE_FALSE(out[t].unregistered.ok());
    CHECK(out[t].unregistered.status().code() == Code::invalid);
    REQUIRE(out[t].retry.ok());
    CHECK_FALSE(out[t].retry->created);
    CHECK(out[t].retry->events[0].position == out[t].good->events[0].position);
  }
  auto log = f.all();
  CHECK(log.size() == static_cast<std::size_t>(1 + 2 * kThreads));
  for (std::size_t i = 0; i < log.size(); ++i)
    CHECK(log[i].position == static_cast<std::int64_t>(i + 1));
  CHECK(versions_gap_free(log));
  CHECK(chain_problem(log) == "");
  const auto stats = f.store->group_stats();
  // Commits happen only for groups that wrote something.
  CHECK(stats.groups <= static_cast<std::int64_t>(1 + 2 * kThreads));
}

TEST_CASE("reads run beside appends and see whole appends only") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto log = f.store->read_all(0, 100000);
      if (!log.ok()) {
        torn.fetch_add(1);
        continue;
      }
      // Every append below is a batch of 2: a reader sees an odd total (1 +
      // 2k) or the batch was torn.
      if (log->size() % 2 == 0 || chain_problem(*log) != "") torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 40; ++i)
    f.append_ok(request("a", {album(100 + 2 * i, "X"), album(101 + 2 * i, "Y")}));
  done = true;
  reader.join();
  CHECK(torn.load() == 0);
}

TEST_CASE("on_commit listeners hear about appends that added events only") {
  Fixture f;
  std::vector<std::int64_t> heads;
  f.store->on_commit([&](std::int64_t h) { heads.push_back(h); });
  const auto req = request("a", {registered(1, "A"), album(2, "X")});
  f.append_ok(req);
  f.append_ok(req);                                                       // a retry
  CHECK_FALSE(f.store->append(request("a", {registered(3, "A")})).ok());  // a rule
  f.append_ok(request("a", {album(4, "Y")}));
  CHECK(heads == std::vector<std::int64_t>{2, 3});
}

TEST_CASE("restore rebuilds the identical chain and skips events already stored") {
  Fixture source;
  source.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  source.clock.advance(1h);
  source.append_ok(request("b", {registered(3, "B")}));
  source.append_ok(request("a", {retraction(4, uuid(2))}));
  const auto log = source.all();

  Fixture target;
  target.clock.advance(48h);  // restore keeps the recorded fields, not this clock
  const std::vector<Event> first(log.begin(), log.begin() + 2);
  REQUIRE(target.store->restore(first).is_ok());
  CHECK(target.store->head() == 2);
  // The whole export again: the stored prefix is skipped, the rest appended.
  Status s = target.store->restore(log);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  auto restored = target.all();
  REQUIRE(restored.size() == log.size());
  for (std::size_t i = 0; i < log.size(); ++i)
    CHECK(domain::to_json(restored[i]) == domain::to_json(log[i]));
  CHECK(target.version("a") == 3);
  // Appends continue the restored chain.
  auto r = target.append_ok(request("b", {album(5, "Z")}));
  CHECK(r.events[0].position == 5);
  CHECK(chain_problem(target.all()) == "");
}

TEST_CASE("restore refuses a broken chain or a gap, naming the position, and writes nothing") {
  Fixture source;
  source.append_ok(request("a", {registered(1, "A"), album(2, "X"), album(3, "Y"), album(4, "Z")}));
  auto log = source.all();
  Fixture target;
  SUBCASE("content changed after hashing") {
    log[2].data["title"] = "Not Y";
    Status s = target.store->restore(log);
    CHECK(s.code() == Code::corrupt);
    CHECK(s.message().find("position 3") != std::string::npos);
  }
  SUBCASE("a hash replaced") {
    log[1].hash = domain::genesis_hash();
    Status s = target.store->restore(log);
    CHECK(s.code() == Code::corrupt);
    CHECK(s.message().find("position 2") != std::string::npos);
  }
  SUBCASE("an event left out") {
    log.erase(log.begin() + 1);
    Status s = target.store->restore(log);
    CHECK(s.code() == Code::corrupt);
    CHECK(s.message().find("position 3") != std::string::npos);
  }
  SUBCASE("an id stored with another hash") {
    REQUIRE(target.store->restore({log[0]}).is_ok());
    target.clock.advance(1s);
    target.append_ok(request("a", {album(2, "X")}));  // same id, recorded at another time
    Status s = target.store->restore(log);
    CHECK(s.code() == Code::corrupt);
    CHECK(s.message().find("position 2") != std::string::npos);
    CHECK(target.store->head() == 2);
    return;
  }
  CHECK(target.store->head() == 0);
  CHECK(target.all().empty());
}

// 20 sources of 2,000 characters: about 40 KB, a lawful event (docs/events.md#limits).
NewEvent big_album(int n) {
  NewEvent e = album(n, "Big " + std::to_string(n));
  e.sources = Json::array();
  for (int k = 0; k < 20; ++k)
    e.sources.push_back({{"url", "https://example.com/" + std::to_string(k)},
                         {"quote", std::string(2000, static_cast<char>('a' + k))}});
  return e;
}

TEST_CASE(
    "a full database is storage_full, writes nothing, and appends succeed once there is room") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  testing::cap_pages(*f.db, 30);  // room for a few big events, not many
  Status full;
  int n = 100;
  for (int attempt = 0; attempt < 40 && full.is_ok(); ++attempt) {
    const std::int64_t head = f.store->head();
    auto r = f.store->append(request("a", {big_album(n), big_album(n + 1), big_album(n + 2)}));
    n += 3;
    if (r.ok()) continue;
    full = r.status();
    CHECK(f.store->head() == head);
    auto log = f.all();
    CHECK(log.size() == static_cast<std::size_t>(head));  // no part of the batch
    CHECK(f.version("a") == head);
  }
  REQUIRE(full.code() == Code::storage_full);

  testing::cap_pages(*f.db, 0);
  const std::int64_t head = f.store->head();
  auto r = f.append_ok(request("a", {big_album(n)}));
  CHECK(r.events[0].position == head + 1);
  CHECK(r.events[0].version == head + 1);
  auto log = f.all();
  CHECK(chain_problem(log) == "");
  CHECK(versions_gap_free(log));
}

TEST_CASE("opening a file that cannot hold a Starlog database fails with a clear Status") {
  TempDir tmp;
  SUBCASE("its directory does not exist") {
    auto db = SqliteDatabase::open(tmp.dir() + "/missing/starlog.db");
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::io_error);
    CHECK(db.status().message().find("does not exist") != std::string::npos);
  }
  SUBCASE("it is a directory") {
    auto db = SqliteDatabase::open(tmp.dir());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::io_error);
  }
  SUBCASE("it is not an SQLite file") {
    std::ofstream(tmp.path())
        << "this is a text file, not a database, and it is long enough to fail"
        << std::string(200, 'x');
    auto db = SqliteDatabase::open(tmp.path());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::corrupt);
    CHECK(db.status().message().find("not a Starlog database") != std::string::npos);
  }
  SUBCASE("it is another program's SQLite file, which is left as it was") {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(tmp.path().c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    auto db = SqliteDatabase::open(tmp.path());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::corrupt);
    CHECK_FALSE(std::filesystem::exists(tmp.path() + "-wal"));
  }
  SUBCASE("a newer Starlog wrote it") {
    { testing::open_db(tmp.path()); }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(tmp.path().c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    auto db = SqliteDatabase::open(tmp.path());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::io_error);
    CHECK(db.status().message().find("newer") != std::string::npos);
  }
  SUBCASE("it is read-only") {
    { testing::open_db(tmp.path()); }
    std::filesystem::permissions(tmp.path(), std::filesystem::perms::owner_read |
                                                 std::filesystem::perms::group_read |
                                                 std::filesystem::perms::others_read);
    // Root writes through file modes: the open runs on a thread that has
    // given up the capabilities that let it (capabilities are per thread).
    Result<std::shared_ptr<SqliteDatabase>> db = Status::io_error("not opened");
    bool dropped = false;
    std::thread([&] {
      // No assertion here: doctest's may only run on the test's thread.
      dropped = testing::drop_file_override_capabilities();
      if (dropped) db = SqliteDatabase::open(tmp.path());
    }).join();
    REQUIRE(dropped);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == Code::io_error);
    CHECK(db.status().message().find("read-only") != std::string::npos);
  }
}

TEST_CASE("a new file is WAL, synchronous=FULL, and carries its schema version") {
  TempDir tmp;
  auto db = testing::open_db(tmp.path());
  CHECK(testing::writer_int(*db, "PRAGMA user_version") == log_schema().version);
  CHECK(testing::writer_int(*db, "PRAGMA application_id") == log_schema().application_id);
  CHECK(testing::writer_int(*db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(testing::writer_int(*db, "PRAGMA foreign_keys") == 1);
  // What a takedown relies on: freed bytes are zeroed, temporary rows stay
  // in memory.
  CHECK(testing::writer_int(*db, "PRAGMA secure_delete") == 1);
  CHECK(testing::writer_int(*db, "PRAGMA temp_store") == 2);  // MEMORY
  {
    auto r = db->reader();
    REQUIRE(r.ok());
    auto st = r->connection().prepare("PRAGMA temp_store");
    REQUIRE(st.ok());
    REQUIRE(*st->step());
    CHECK(st->int64(0) == 2);
  }
  {
    auto w = db->writer();
    auto st = w->prepare("PRAGMA journal_mode");
    REQUIRE(st.ok());
    REQUIRE(*st->step());
    CHECK(st->text(0) == "wal");
  }
  db.reset();
  auto again = testing::open_db(tmp.path());  // an existing file opens as well
  CHECK(testing::writer_int(*again, "PRAGMA user_version") == log_schema().version);
}

}  // namespace
}  // namespace starlog::store

// ---------------------------------------------------------------------------
// The reads behind audits and time travel.

namespace starlog::store {
namespace {

NewEvent featuring(NewEvent e, const std::vector<std::string>& who) {
  e.participants = Json::array();
  for (const auto& c : who) e.participants.push_back({{"celebrity", c}});
  return e;
}

NewEvent correction(int n, const std::string& fact_id, Json changes) {
  NewEvent e;
  e.id = uuid(n);
  e.type = "fact_corrected";
  e.data = {{"fact_id", fact_id}, {"reason", "a better source"}, {"changes", std::move(changes)}};
  return e;
}

std::vector<std::int64_t> positions(const std::vector<Event>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.position);
  return out;
}

// a, b, c registered; facts of a with b, and later with c (by correction).
void participants_log(Fixture& f) {
  f.append_ok(request("a", {registered(1, "A")}));                  // 1
  f.append_ok(request("b", {registered(2, "B")}));                  // 2
  f.append_ok(request("c", {registered(3, "C")}));                  // 3
  f.append_ok(request("a", {album(4, "Solo")}));                    // 4
  f.append_ok(request("a", {featuring(album(5, "Duet"), {"b"})}));  // 5
  f.append_ok(request("a", {album(6, "Later with C")}));            // 6
  f.append_ok(request("c", {album(7, "C alone")}));                 // 7
  f.append_ok(
      request("a", {correction(8, uuid(6), {{"participants", {{{"celebrity", "c"}}}}})}));  // 8
  f.append_ok(request("a", {correction(9, uuid(5), {{"participants", Json::array()}})}));   // 9
  f.append_ok(request("a", {retraction(10, uuid(6))}));                                     // 10
}

std::vector<std::int64_t> celebrity_positions(Fixture& f, const std::string& who,
                                              std::int64_t after = 0,
                                              std::int64_t up_to = 1'000'000,
                                              std::size_t limit = 1000) {
  auto r = f.store->read_celebrity(who, after, up_to, limit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return positions(*r);
}

TEST_CASE(
    "read_celebrity gives the stream and every event of each fact the celebrity was ever part of") {
  Fixture f;
  participants_log(f);
  CHECK(celebrity_positions(f, "a") == std::vector<std::int64_t>{1, 4, 5, 6, 8, 9, 10});
  // b was taken off fact 5 by event 9, which still shaped b's timeline.
  CHECK(celebrity_positions(f, "b") == std::vector<std::int64_t>{2, 5, 9});
  // c joined fact 6 by the correction 8: the fact's whole history comes along.
  CHECK(celebrity_positions(f, "c") == std::vector<std::int64_t>{3, 6, 7, 8, 10});
  CHECK(celebrity_positions(f, "nobody").empty());
  SUBCASE("bounds and limit page through it") {
    CHECK(celebrity_positions(f, "c", 0, 7) == std::vector<std::int64_t>{3, 6, 7});
    CHECK(celebrity_positions(f, "c", 3, 1000, 2) == std::vector<std::int64_t>{6, 7});
    CHECK(celebrity_positions(f, "c", 7, 1000, 2) == std::vector<std::int64_t>{8, 10});
    CHECK(celebrity_positions(f, "c", 5, 5).empty());
  }
  SUBCASE("the index is rebuilt when an older file lacks it") {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(f.tmp.path().c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "DROP TRIGGER events_fact_participants; DROP TABLE fact_participants",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    f.reopen();
    CHECK(celebrity_positions(f, "c") == std::vector<std::int64_t>{3, 6, 7, 8, 10});
    f.append_ok(request("b", {featuring(album(11, "B with C"), {"c"})}));
    CHECK(celebrity_positions(f, "c") == std::vector<std::int64_t>{3, 6, 7, 8, 10, 11});
  }
}

TEST_CASE("read_celebrity is answered through indexes, never a scan of the log") {
  Fixture f;
  participants_log(f);
  auto w = f.db->writer();
  auto st = w->prepare("EXPLAIN QUERY PLAN " + SqliteEventStore::celebrity_query());
  REQUIRE(st.ok());
  st->bind_text(1, "c").bind(2, 0).bind(3, 100).bind(4, 10);
  const std::string plan = testing::query_plan(*st);
  CAPTURE(plan);
  CHECK(plan.find("SCAN events") == std::string::npos);
  CHECK(plan.find("SCAN e") == std::string::npos);
  CHECK(plan.find("fact_participants") != std::string::npos);
}

TEST_CASE("position_at finds the end of the log as it was known at an instant") {
  Fixture f;
  auto at = [&](domain::Millis t) {
    auto p = f.store->position_at(t);
    REQUIRE(p.ok());
    return *p;
  };
  CHECK(at(kStart) == 0);
  f.append_ok(request("a", {registered(1, "A"), album(2, "X")}));
  f.clock.advance(1h);
  f.append_ok(request("a", {album(3, "Y")}));
  CHECK(at(kStart - 1ms) == 0);
  CHECK(at(kStart) == 2);
  CHECK(at(kStart + 30min) == 2);
  CHECK(at(kStart + 1h) == 3);
  CHECK(at(kStart + 1000h) == 3);
}

TEST_CASE(
    "read_stored gives each row with its stored digest and flags a row that no longer reads") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A"), album(2, "X"), album(3, "Y")}));
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(f.tmp.path().c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw,
                       "DROP TRIGGER events_no_update;"
                       "UPDATE events SET data = 'not json' WHERE position = 2",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto rows = f.store->read_stored(0, 10);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].damaged.empty());
  CHECK((*rows)[0].content_digest == domain::content_digest((*rows)[0].event));
  CHECK((*rows)[1].damaged.find("data") != std::string::npos);
  CHECK((*rows)[1].event.position == 2);
  CHECK((*rows)[1].event.hash.size() == 64);
  CHECK((*rows)[2].damaged.empty());
  auto page = f.store->read_stored(1, 1);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK(page->front().event.position == 2);
}

TEST_CASE("restore refuses an event recorded before the one it follows") {
  Fixture source;
  source.append_ok(request("a", {registered(1, "A")}));
  source.clock.advance(1h);
  source.append_ok(request("a", {album(2, "X")}));
  auto log = source.all();
  log[1].recorded_at = log[0].recorded_at - 1s;
  log[1].hash = domain::chain_hash(log[0].hash, log[1]);  // a chain that holds otherwise
  Fixture target;
  Status s = target.store->restore(log);
  CHECK(s.code() == Code::corrupt);
  CHECK(s.message().find("position 2") != std::string::npos);
  CHECK(s.message().find("recorded_at") != std::string::npos);
  CHECK(target.store->head() == 0);
}

}  // namespace
}  // namespace starlog::store

namespace starlog::store {
namespace {

TEST_CASE("WAL checkpoints run in the background and keep the WAL bounded") {
  Fixture f;
  f.append_ok(request("a", {registered(1, "A")}));
  // Big enough appends to pass the checkpoint threshold (1000 pages) many
  // times over.
  for (int i = 0; i < 300; ++i) {
    std::vector<NewEvent> batch;
    for (int k = 0; k < 10; ++k) {
      NewEvent e = album(10'000 + i * 10 + k, "T");
      e.data["notes"] = std::string(2000, static_cast<char>('a' + k));
      batch.push_back(std::move(e));
    }
    f.append_ok(request("a", std::move(batch)));
  }
  // The checkpointer is woken, not waited for; give it a bounded moment.
  for (int i = 0; i < 200 && f.db->checkpoint_stats().runs == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(f.db->checkpoint_stats().runs > 0);
  CHECK(f.db->checkpoint_stats().frames_backfilled > 0);
  // The database file holds the checkpointed pages, not just its header.
  CHECK(std::filesystem::file_size(f.tmp.path()) > 1024u * 1024);
  CHECK(f.all().size() == 3001u);
}

}  // namespace
}  // namespace starlog::store
