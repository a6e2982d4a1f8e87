// The contract of store/event_store.h, run against every EventStore: the
// SQLite store, the PostgreSQL one (on a throwaway server,
// store/pg_test_support.h) and the in-memory one.
// Backend-specific behaviour (files, triggers, crash safety) is tested
// beside each backend.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>

#include "domain/hash_chain.h"
#include "store/memory_event_store.h"
#include "store/pg_event_store.h"
#include "store/pg_test_support.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_test_support.h"

namespace starlog::store {
namespace {

using domain::Event;
using domain::NewEvent;

constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};

struct SqliteBackend {
  testing::TempDir tmp;
  domain::FakeClock clock{kStart};
  std::shared_ptr<SqliteDatabase> db = testing::open_db(tmp.path());
  std::unique_ptr<SqliteEventStore> owned = SqliteEventStore::open(db, clock).value();
  EventStore& store = *owned;
};

struct PgBackend {
  domain::FakeClock clock{kStart};
  std::unique_ptr<PgEventStore> owned = open();
  EventStore& store = *owned;
  std::unique_ptr<PgEventStore> open() {
    auto s = PgEventStore::open(testing::PgTestCluster::instance().fresh_database(), clock);
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    return std::move(*s);
  }
};

struct MemoryBackend {
  domain::FakeClock clock{kStart};
  MemoryEventStore owned{clock};
  EventStore& store = owned;
};

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewEvent make(int n, std::string type, Json data, std::optional<std::string> occurred = {},
              Json participants = Json::array()) {
  NewEvent e;
  e.id = uuid(n);
  e.type = std::move(type);
  e.data = std::move(data);
  e.occurred = std::move(occurred);
  e.participants = std::move(participants);
  return e;
}
NewEvent registered(int n, const std::string& name) {
  return make(n, "celebrity_registered", {{"name", name}});
}
NewEvent album(int n, const std::string& title, Json participants = Json::array()) {
  return make(n, "album_released", {{"title", title}}, "2021-08-29", std::move(participants));
}
Json with(const std::string& celebrity) { return Json::array({{{"celebrity", celebrity}}}); }

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

template <class B>
AppendResult ok(B& b, const AppendRequest& r) {
  auto res = b.store.append(r);
  REQUIRE_MESSAGE(res.ok(), res.status().message());
  return *res;
}

template <class B>
std::vector<Event> all(B& b) {
  auto r = b.store.read_all(0, 1'000'000);
  REQUIRE(r.ok());
  return *r;
}

std::string chain_problem(const std::vector<Event>& log) {
  domain::ChainVerifier v;
  for (const Event& e : log) {
    std::string p = v.check(e, domain::content_digest(e));
    if (!p.empty()) return p;
  }
  return "";
}

#define BACKENDS SqliteBackend, PgBackend, MemoryBackend

TEST_CASE_TEMPLATE("append assigns versions, positions, recorded fields and the chain", B,
                   BACKENDS) {
  // Declared before the store, so they outlive its listener thread (the
  // PostgreSQL store's calls listeners from a thread of its own).
  std::mutex mu;
  std::vector<std::int64_t> heads;
  B b;
  // A listener call is a wake-up (a store may also wake listeners for
  // other processes' appends): each append that added events is heard of
  // before it returns.
  b.store.on_commit([&](std::int64_t h) {
    std::lock_guard lock(mu);
    heads.push_back(h);
  });
  auto heard = [&](std::int64_t h) {
    std::lock_guard lock(mu);
    return std::find(heads.begin(), heads.end(), h) != heads.end();
  };
  auto first = ok(b, request("a", {registered(1, "A")}, Expected::no_stream()));
  CHECK(first.created);
  CHECK(heard(1));
  CHECK(first.stream_version == 1);
  b.clock.advance(std::chrono::seconds(1));
  auto second = ok(b, request("a", {album(2, "X"), album(3, "Y")}, Expected::exact(1)));
  REQUIRE(second.events.size() == 2);
  CHECK(second.events[0].version == 2);
  CHECK(second.events[1].position == 3);
  CHECK(b.store.head() == 3);
  CHECK(*b.store.stream_version("a") == 3);
  CHECK(*b.store.stream_version("nobody") == 0);
  const auto log = all(b);
  REQUIRE(log.size() == 3);
  CHECK(log[0].recorded_at == kStart);
  CHECK(log[1].recorded_at == kStart + std::chrono::seconds(1));
  CHECK(log[2].recorded_by == "alice");
  CHECK(chain_problem(log) == "");
  CHECK(heard(3));
  std::lock_guard lock(mu);
  for (std::int64_t h : heads) CHECK(h <= 3);
}

TEST_CASE_TEMPLATE("idempotency comes first; then the expected version; then the rules", B,
                   BACKENDS) {
  B b;
  ok(b, request("a", {registered(1, "A")}));
  auto stored = ok(b, request("a", {album(2, "X")}));
  // A retry with a stale If-Match gets the original answer.
  auto retry = ok(b, request("a", {album(2, "X")}, Expected::exact(1)));
  CHECK_FALSE(retry.created);
  CHECK(retry.events[0].position == stored.events[0].position);
  CHECK(b.store.append(request("a", {album(2, "Other")})).status().code() == Code::duplicate_id);
  CHECK(b.store.append(request("b", {album(2, "X")})).status().code() == Code::duplicate_id);
  CHECK(b.store.append(request("a", {album(2, "X"), album(3, "Z")})).status().code() ==
        Code::duplicate_id);
  auto stale = b.store.append(request("a", {album(4, "Z")}, Expected::exact(1)));
  CHECK(stale.status().code() == Code::precondition_failed);
  CHECK(stale.status().actual() == 2);
  CHECK(b.store.append(request("a", {registered(5, "A")}, Expected::no_stream())).status().code() ==
        Code::precondition_failed);
  CHECK(b.store.append(request("c", {album(6, "first")})).status().code() == Code::invalid);
  CHECK(b.store.append(request("Not A Slug", {registered(7, "x")})).status().code() ==
        Code::invalid);
  CHECK(b.store.append(request("d", {registered(8, "D"), album(8, "twice")})).status().code() ==
        Code::invalid);
  CHECK(b.store.head() == 2);
}

TEST_CASE_TEMPLATE("reads: streams, the log, facts, ids, stored digests, time", B, BACKENDS) {
  B b;
  ok(b, request("a", {registered(1, "A")}));
  ok(b, request("b", {registered(2, "B")}));
  b.clock.advance(std::chrono::seconds(10));
  ok(b, request("a", {album(3, "X", with("b"))}));
  ok(b, request("a", {make(4, "fact_retracted", {{"fact_id", uuid(3)}, {"reason", "untrue"}})}));
  auto stream = b.store.read_stream("a", 2, 10);
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 2);
  CHECK((*stream)[0].id == uuid(3));
  CHECK(b.store.read_stream("a", 1, 1)->size() == 1);
  CHECK(b.store.read_all(3, 10)->size() == 1);
  CHECK(b.store.read_all(0, 2)->size() == 2);
  auto fact = b.store.read_fact(uuid(3));
  REQUIRE(fact.ok());
  CHECK(fact->size() == 2);
  CHECK(b.store.find_event(uuid(4))->value().type == "fact_retracted");
  CHECK_FALSE(b.store.find_event(uuid(9))->has_value());
  auto stored = b.store.read_stored(0, 10);
  REQUIRE(stored.ok());
  for (const auto& s : *stored) CHECK(s.content_digest == domain::content_digest(s.event));
  CHECK(*b.store.position_at(kStart) == 2);
  CHECK(*b.store.position_at(kStart - std::chrono::seconds(1)) == 0);
  CHECK(*b.store.position_at(kStart + std::chrono::seconds(10)) == 4);
  // b's timeline is shaped by its stream and the fact it took part in.
  auto of_b = b.store.read_celebrity("b", 0, 100, 100);
  REQUIRE(of_b.ok());
  std::vector<std::int64_t> positions;
  for (const auto& e : *of_b) positions.push_back(e.position);
  CHECK(positions == std::vector<std::int64_t>{2, 3, 4});
  CHECK(b.store.read_celebrity("b", 2, 3, 100)->size() == 1);
}

TEST_CASE_TEMPLATE("a takedown erases its fact's events and keeps their headers and the chain", B,
                   BACKENDS) {
  B b;
  ok(b, request("a", {registered(1, "A")}));
  ok(b, request("b", {registered(2, "B")}));
  ok(b, request("a", {album(3, "Secret", with("b"))}));
  ok(b, request("a", {make(4, "fact_corrected",
                           {{"fact_id", uuid(3)},
                            {"reason", "fix"},
                            {"changes", {{"data", {{"title", "Still secret"}}}}}})}));
  CHECK(*b.store.last_takedown() == 0);
  auto done = ok(b, request("a", {make(5, "content_taken_down",
                                       {{"fact_id", uuid(3)}, {"reason", "court order"}})}));
  CHECK(done.erased);
  CHECK(*b.store.last_takedown() == 5);
  const auto log = all(b);
  CHECK(chain_problem(log) == "");
  for (int p : {3, 4}) {
    const Event& e = log[static_cast<std::size_t>(p - 1)];
    REQUIRE(e.taken_down());
    CHECK(e.type.empty());
    CHECK(e.data == Json::object());
    CHECK(e.erasure->fact_id == uuid(3));
    CHECK(e.erasure->by == uuid(5));
    CHECK(e.erasure->reason == "court order");
    CHECK(e.erasure->recorded_at == kStart);
  }
  CHECK(b.store.find_event(uuid(3))->value().taken_down());
  CHECK(b.store.read_stream("a", 2, 1)->front().taken_down());
  // The participants index forgets the fact: only b's own stream is left.
  CHECK(b.store.read_celebrity("b", 0, 100, 100)->size() == 1);
  // Retries stay retries; a second takedown is a conflict.
  CHECK_FALSE(ok(b, request("a", {album(3, "Secret", with("b"))})).created);
  CHECK(b.store
            .append(request(
                "a", {make(6, "content_taken_down", {{"fact_id", uuid(3)}, {"reason", "again"}})}))
            .status()
            .code() == Code::conflict);
}

TEST_CASE_TEMPLATE("restore rebuilds the identical chain, skips what is stored, refuses gaps", B,
                   BACKENDS) {
  B from;
  ok(from, request("a", {registered(1, "A")}));
  ok(from, request("a", {album(2, "X"), album(3, "Secret")}));
  ok(from, request("a", {make(4, "content_taken_down",
                              {{"fact_id", uuid(3)}, {"reason", "court order"}})}));
  std::vector<Event> exported;
  for (const Event& e : all(from)) exported.push_back(*domain::event_from_json(domain::to_json(e)));

  B to;
  REQUIRE(to.store.restore({exported[0], exported[1]}).is_ok());
  REQUIRE(to.store.restore(exported).is_ok());  // the first two are skipped
  const auto restored = all(to);
  REQUIRE(restored.size() == exported.size());
  for (std::size_t i = 0; i < restored.size(); ++i)
    CHECK(domain::to_json(restored[i]) == domain::to_json(exported[i]));

  B gap;
  CHECK(gap.store.restore({exported[1]}).code() == Code::corrupt);
  Event tampered = exported[1];
  tampered.data["title"] = "Y";
  CHECK(gap.store.restore({exported[0], tampered}).code() == Code::corrupt);
  CHECK(gap.store.head() == 0);  // all or nothing
}

TEST_CASE_TEMPLATE(
    "restore refuses a well-chained event an append would refuse, by its index, and writes "
    "nothing",
    B, BACKENDS) {
  B from;
  ok(from, request("a", {registered(1, "A")}));
  ok(from, request("a", {album(2, "X"), album(3, "Y")}));
  std::vector<Event> exported;
  for (const Event& e : all(from)) exported.push_back(*domain::event_from_json(domain::to_json(e)));
  // Event 2 of 3 edited, and the chain recomputed from it on.
  auto rechained = [&](const std::function<void(Event&)>& edit) {
    std::vector<Event> out = exported;
    edit(out[1]);
    for (std::size_t i = 1; i < out.size(); ++i)
      out[i].hash = domain::chain_hash(out[i - 1].hash, out[i], domain::content_digest(out[i]));
    return out;
  };
  struct Case {
    const char* name;
    std::function<void(Event&)> edit;
    std::string pointer;
  };
  const Case cases[] = {
      {"a second registration",
       [](Event& e) {
         e.type = "celebrity_registered";
         e.occurred.reset();
         e.data = {{"name", "Again"}};
       },
       "/1/type"},
      {"an unregistered participant", [](Event& e) { e.participants = with("nobody"); },
       "/1/participants/0/celebrity"},
      {"a correction of an unknown fact",
       [](Event& e) {
         e.type = "fact_corrected";
         e.occurred.reset();
         e.data = {{"fact_id", uuid(99)}, {"changes", {{"data", {{"title", "Z"}}}}}};
       },
       "/1/data/fact_id"},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    B to;
    Status s = to.store.restore(rechained(c.edit));
    CHECK(s.code() == Code::invalid);
    CHECK(s.message().find("restore refused at position 2") == 0);
    REQUIRE(!s.errors().empty());
    CHECK(s.errors()[0].pointer == c.pointer);
    CHECK(to.store.head() == 0);  // all or nothing
    CHECK(all(to).empty());
  }
}

}  // namespace
}  // namespace starlog::store
