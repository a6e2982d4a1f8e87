// The lawful takedown in the SQLite log: what a content_taken_down event
// erases, what it keeps, and that no byte of the erased content is left in
// the log's files once the append returns.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "domain/hash_chain.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_test_support.h"

namespace starlog::store {
namespace {

using domain::Event;
using domain::NewEvent;

constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};
// A word that appears nowhere but in the content taken down.
constexpr const char* kMarker = "Zqxjvortlemarker";

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewEvent event(int n, std::string type, Json data, std::optional<std::string> occurred = {}) {
  NewEvent e;
  e.id = uuid(n);
  e.type = std::move(type);
  e.occurred = std::move(occurred);
  e.data = std::move(data);
  return e;
}

AppendRequest request(const std::string& stream, std::vector<NewEvent> events) {
  AppendRequest r;
  r.stream = stream;
  r.is_batch = events.size() > 1;
  r.events = std::move(events);
  r.recorded_by = "admin";
  return r;
}

NewEvent takedown(int n, int fact) {
  return event(n, "content_taken_down",
               {{"fact_id", uuid(fact)}, {"reason", "court order"}, {"legal_basis", "case 1"}});
}

// Every byte of every file in `dir` (the log, its WAL and shared memory).
std::string files_of(const std::string& dir) {
  std::string all;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

struct Fixture {
  testing::TempDir tmp;
  domain::FakeClock clock{kStart};
  std::shared_ptr<SqliteDatabase> db = testing::open_db(tmp.path());
  std::unique_ptr<SqliteEventStore> store;
  Fixture() {
    auto s = SqliteEventStore::open(db, clock);
    REQUIRE(s.ok());
    store = std::move(*s);
  }
  Result<AppendResult> append(const std::string& stream, std::vector<NewEvent> events) {
    return store->append(request(stream, std::move(events)));
  }
  std::vector<Event> all() {
    auto r = store->read_all(0, 1'000'000);
    REQUIRE(r.ok());
    return *r;
  }
  // kanye-west with fact 2 (the marker in its title, a long quote so that
  // the row spills to overflow pages) corrected by 3, plus jay-z's own fact 5.
  void seed() {
    REQUIRE(
        append("kanye-west", {event(1, "celebrity_registered", {{"name", "Kanye West"}})}).ok());
    NewEvent fact =
        event(2, "statement_made", {{"quote", std::string(kMarker) + " " + std::string(1900, 'q')}},
              "2021-08-29");
    for (int k = 0; k < 4; ++k)
      fact.sources.push_back({{"url", "https://example.com/" + std::to_string(k)},
                              {"quote", std::string(1900, 's') + " " + kMarker}});
    REQUIRE(append("kanye-west", {fact}).ok());
    REQUIRE(append("kanye-west", {event(3, "fact_corrected",
                                        {{"fact_id", uuid(2)},
                                         {"reason", std::string("typo ") + kMarker},
                                         {"changes", {{"occurred", "2021-08-30"}}}})})
                .ok());
    REQUIRE(append("jay-z", {event(4, "celebrity_registered", {{"name", "Jay-Z"}})}).ok());
    REQUIRE(append("jay-z", {event(5, "album_released", {{"title", "Kept"}}, "2020")}).ok());
  }
};

std::string chain_problem(const std::vector<Event>& log) {
  domain::ChainVerifier v;
  for (const Event& e : log) {
    std::string p = v.check(e, domain::content_digest(e));
    if (!p.empty()) return p;
  }
  return "";
}

TEST_CASE("a takedown erases its fact's events, keeps their headers, and the chain verifies") {
  Fixture f;
  f.seed();
  const auto before = f.all();
  REQUIRE(files_of(f.tmp.dir()).find(kMarker) != std::string::npos);

  auto r = f.append("kanye-west", {takedown(6, 2)});
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->erased);

  // No byte of the content is left in any file of the store's directory.
  CHECK(files_of(f.tmp.dir()).find(kMarker) == std::string::npos);

  const auto after = f.all();
  REQUIRE(after.size() == before.size() + 1);
  CHECK(chain_problem(after) == "");
  for (std::size_t i = 0; i < before.size(); ++i) {
    CAPTURE(i);
    CHECK(after[i].hash == before[i].hash);
    CHECK(after[i].id == before[i].id);
    CHECK(after[i].recorded_at == before[i].recorded_at);
    const bool erased = before[i].fact_id() == uuid(2);
    CHECK(after[i].taken_down() == erased);
    if (!erased) {
      CHECK(after[i].data == before[i].data);
      continue;
    }
    CHECK(after[i].type.empty());
    CHECK(after[i].data == Json::object());
    CHECK(after[i].erasure->content_digest == domain::content_digest(before[i]));
    CHECK(after[i].erasure->by == uuid(6));
    CHECK(after[i].erasure->reason == "court order");
    CHECK(after[i].erasure->fact_id == uuid(2));
    const Json j = domain::to_json(after[i]);
    CHECK(j.at("taken_down").at("event_id") == uuid(6));
    CHECK_FALSE(j.contains("data"));
  }
  // The takedown itself keeps its content.
  CHECK(after.back().type == "content_taken_down");
  CHECK(after.back().data.at("reason") == "court order");
  // A fact's history still lists its events, erased.
  auto history = f.store->read_fact(uuid(2));
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK((*history)[0].taken_down());
  CHECK((*history)[1].taken_down());
  CHECK((*history)[2].type == "content_taken_down");
  // The participants index forgets the fact too.
  auto celebrity = f.store->read_celebrity("kanye-west", 0, 100, 100);
  REQUIRE(celebrity.ok());
  for (const Event& e : *celebrity) CHECK((e.type.empty() || e.stream == "kanye-west"));
}

TEST_CASE("a retry of an erased event's original append is still answered as a retry") {
  Fixture f;
  f.seed();
  REQUIRE(f.append("kanye-west", {takedown(6, 2)}).ok());
  auto again = f.append("jay-z", {event(5, "album_released", {{"title", "Kept"}}, "2020")});
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  // The erased content's digest is kept: the same content is a retry, other
  // content under its id is refused.
  NewEvent other = event(2, "statement_made", {{"quote", "something else"}}, "2021-08-29");
  CHECK(f.append("kanye-west", {other}).status().code() == Code::duplicate_id);
}

TEST_CASE("rules: a second takedown and an amendment of a taken-down fact are conflicts") {
  Fixture f;
  f.seed();
  REQUIRE(f.append("kanye-west", {takedown(6, 2)}).ok());
  const auto head = f.store->head();
  CHECK(f.append("kanye-west", {takedown(7, 2)}).status().code() == Code::conflict);
  CHECK(f.append("kanye-west", {takedown(8, 6)}).status().code() == Code::conflict);
  CHECK(f.append("kanye-west",
                 {event(9, "fact_retracted", {{"fact_id", uuid(2)}, {"reason", "gone"}})})
            .status()
            .code() == Code::conflict);
  CHECK(f.append("kanye-west", {takedown(10, 99)}).status().code() == Code::invalid);
  CHECK(f.append("kanye-west", {takedown(11, 5)}).status().code() == Code::invalid);
  CHECK(f.store->head() == head);
}

TEST_CASE("raw SQL can erase content only as a takedown does, and only with one stored") {
  Fixture f;
  f.seed();
  sqlite3* raw = nullptr;  // as the sqlite3 shell would
  REQUIRE(sqlite3_open(f.tmp.path().c_str(), &raw) == SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  auto run = [&](const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    return rc;
  };
  const std::string erase =
      "UPDATE events SET type = '', occurred = NULL, data = '{}', participants = '[]',"
      " sources = '[]' WHERE position = 2";
  CHECK(run(erase) != SQLITE_OK);  // no takedown of the fact is stored
  REQUIRE(f.append("kanye-west", {takedown(6, 2)}).ok());
  // With one stored, the erasure is allowed, but nothing else is.
  CHECK(run("UPDATE events SET hash = 'x' WHERE position = 2") != SQLITE_OK);
  CHECK(run("UPDATE events SET data = '{\"title\":\"Y\"}' WHERE position = 5") != SQLITE_OK);
  CHECK(run("UPDATE events SET type = '', occurred = NULL, data = '{}', participants = '[]',"
            " sources = '[]' WHERE position = 6") != SQLITE_OK);  // the takedown itself
  CHECK(run("DELETE FROM events WHERE position = 2") != SQLITE_OK);
  sqlite3_close(raw);
  CHECK(chain_problem(f.all()) == "");
}

TEST_CASE("restore of an export with erased events rebuilds the identical, erased chain") {
  Fixture f;
  f.seed();
  REQUIRE(f.append("kanye-west", {takedown(6, 2)}).ok());
  std::vector<Event> exported;
  for (const Event& e : f.all()) {
    auto back = domain::event_from_json(domain::to_json(e));
    REQUIRE(back.ok());
    exported.push_back(*back);
  }
  Fixture g;
  Status s = g.store->restore(exported);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  const auto restored = g.all();
  REQUIRE(restored.size() == exported.size());
  for (std::size_t i = 0; i < restored.size(); ++i) {
    CHECK(restored[i].hash == exported[i].hash);
    CHECK(domain::to_json(restored[i]) == domain::to_json(exported[i]));
  }
  CHECK(chain_problem(restored) == "");
}

TEST_CASE("restore of events with content followed by their takedown erases them") {
  Fixture f;
  f.seed();
  const auto with_content = f.all();
  REQUIRE(f.append("kanye-west", {takedown(6, 2)}).ok());
  std::vector<Event> joined = with_content;  // as if two exports were concatenated
  joined.push_back(f.all().back());
  Fixture g;
  REQUIRE(g.store->restore(joined).is_ok());
  CHECK(files_of(g.tmp.dir()).find(kMarker) == std::string::npos);
  CHECK(chain_problem(g.all()) == "");
  CHECK(g.all()[1].taken_down());
}

}  // namespace
}  // namespace starlog::store
