// Upgrade in place: a store written by the previous storage format (format
// 1: log, tokens and read models in one file) opens with this binary, is
// upgraded on the first start, and serves exactly what it served before.
// The fixture was made by the previous release's binary (tests/fixtures/
// store-v1/README.md says how); this test never regenerates it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/command.h"
#include "tests/support/http_client.h"
#include "tests/support/log_check.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

const std::string kFixture = std::string(STARLOG_SOURCE_DIR) + "/tests/fixtures/store-v1";
// The admin token `starlog token create` printed when the fixture was made.
const std::string kFixtureSecret = "stl_4hBUuTJEX9SNgpmOWDL7ilpTJLTeF6JAx-dK9oiq82U";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string what = "cannot read " + path;
  REQUIRE_MESSAGE(in.good(), what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A copy of the fixture's log in `dir`; returns its path.
std::string copy_fixture(const TempDir& dir) {
  const std::string db = dir.file("starlog.db");
  std::filesystem::remove(db);
  std::filesystem::copy_file(kFixture + "/starlog.db", db);
  return db;
}

// Entry titles are written at read time, from the timeline owner's side
// and with registered names, since the web app's release: the previous
// binary said "Relationship with kim-kardashian: married". What the fold
// stored is compared as it was; the titles against today's words.
const std::vector<std::string> kTitlesToday = {
    "Married Kim Kardashian",
    "Separated from Kim Kardashian",
    "Filed for divorce from Kim Kardashian",
    "Held Donda listening events at Mercedes-Benz Stadium",
    "Kim Kardashian appeared at Donda listening event",
    "Kim Kardashian appeared at Donda listening event",
    "Released the album Donda",
    "Collaborated with Jay-Z",
    "Statement: \u201cI\u2019m losing my family, I\u2019m losing all my family/darling come back "
    "to "
    "me\u201d",
    "Statement: \u201cTime and space is a luxury/But you came here to show that you\u2019re still "
    "in "
    "love w\u2026\u201d",
    "Kim Kardashian: \u201cI got to a point \u2014 and maybe being in a relationship with Kanye "
    "for a "
    "decade, so\u2026\u201d"};

std::vector<std::string> take_titles(Json& doc) {
  std::vector<std::string> titles;
  if (!doc.contains("entries")) return titles;
  for (Json& e : doc.at("entries")) {
    titles.push_back(e.at("title").get<std::string>());
    e.erase("title");
  }
  return titles;
}

// GET of the fixture's answer `name` (NAME.target, NAME.json) on `c` gives
// the same JSON the previous binary gave (titles: see above).
void check_answer(HttpClient& c, const std::string& name) {
  CAPTURE(name);
  const std::string target = read_file(kFixture + "/" + name + ".target");
  const HttpResult now = c.get(target.substr(0, target.find('\n')));
  REQUIRE(now.status == 200);
  Json served = Json::parse(now.body);
  Json before = Json::parse(read_file(kFixture + "/" + name + ".json"));
  const auto titles = take_titles(served);
  if (!take_titles(before).empty()) CHECK(titles == kTitlesToday);
  CHECK(served == before);
}

std::int64_t sqlite_int(const TempDir& dir, const std::string& db, const std::string& sql) {
  const auto r = run_shell(dir, cat("sqlite3 ", shell_quote(db), " ", shell_quote(sql)));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return std::stoll(r.out);
}

TEST_CASE("a format-1 store is upgraded on first start and serves what it served before") {
  TempDir dir;
  const std::string db = copy_fixture(dir);
  REQUIRE(sqlite_int(dir, db, "PRAGMA user_version") == 1);
  const std::int64_t events = sqlite_int(dir, db, "SELECT count(*) FROM events");
  REQUIRE(events > 0);

  ServerProcess server(db);
  HttpClient c = server.client();
  REQUIRE(wait_ready(c));
  CHECK(server.output().find("upgraded " + db + " from store format 1 to 3") != std::string::npos);

  // Read models folded again from the log give the same answers, byte for
  // byte, as the previous binary's did from its own rows.
  for (const std::string name : {"timeline-kanye-west", "profile-kanye-west", "directory"})
    check_answer(c, name);
  // Tokens are kept: the fixture's admin token still works, and the chain
  // and the projection verify.
  const Headers admin = {{"Authorization", "Bearer " + kFixtureSecret}};
  const HttpResult verify = c.get("/v1/audit/verify", admin);
  REQUIRE(verify.status == 200);
  CHECK(verify.json().at("verified") == true);
  CHECK(verify.json().at("events") == events);
  // And the store takes appends again.
  const Json fact = {{"type", "statement_made"},
                     {"occurred", "2026-12-01"},
                     {"data", {{"quote", "After the upgrade"}}}};
  CHECK(c.post_json("/v1/celebrities/kanye-west/events", fact, admin).status == 201);
  REQUIRE(server.stop() == 0);

  // The log file is format 3 without the old read-model tables; they live
  // in the file beside it now.
  CHECK(sqlite_int(dir, db, "PRAGMA user_version") == 3);
  CHECK(sqlite_int(dir, db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'projection%'") ==
        0);
  CHECK(sqlite_int(dir, db, "SELECT count(*) FROM events") == events + 1);
  CHECK(sqlite_int(dir, db + ".projections",
                   "SELECT position FROM projection_checkpoints WHERE projection ="
                   " COALESCE((SELECT space FROM projection_names WHERE name = 'timeline'),"
                   " 'timeline')") == events + 1);

  // A second start has nothing to upgrade.
  server.restart();
  const std::string log = server.output();
  CHECK(log.find("upgraded") == log.rfind("upgraded"));
  const auto cli = run_starlog(dir, cat("verify --db ", shell_quote(db)));
  CAPTURE(cli.out);
  CAPTURE(cli.err);
  CHECK(cli.exit_code == 0);
}

TEST_CASE("an upgraded store whose read-model file is lost folds it again on the next start") {
  TempDir dir;
  const std::string db = copy_fixture(dir);
  // The upgrade commits the new format at once; a kill -9 and the loss of
  // everything the refold wrote (as if it had been killed before its first
  // commit) leave a format-3 log without read models.
  {
    ServerProcess server(db);
    server.kill9();
  }
  std::filesystem::remove(db + ".projections");
  std::filesystem::remove(db + ".projections-wal");
  std::filesystem::remove(db + ".projections-shm");
  ServerProcess server(db);
  HttpClient c = server.client();
  REQUIRE(wait_ready(c));
  check_answer(c, "timeline-kanye-west");
  REQUIRE(server.stop() == 0);
  const auto cli = run_starlog(dir, cat("verify --db ", shell_quote(db)));
  CHECK(cli.exit_code == 0);
}

TEST_CASE("read models ahead of their log are folded again, not served") {
  TempDir dir;
  const std::string db = copy_fixture(dir);
  {
    ServerProcess server(db);
    HttpClient c = server.client();
    REQUIRE(wait_ready(c));
    REQUIRE(server.stop() == 0);
  }
  // The log put back from the fixture again (an older backup, say), while
  // the read models beside it saw one more event.
  {
    ServerProcess server(db);
    const Headers admin = {{"Authorization", "Bearer " + kFixtureSecret}};
    const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Only Later"}}}};
    REQUIRE(server.client().post_json("/v1/celebrities/only-later/events", reg, admin).status ==
            201);
    REQUIRE(server.stop() == 0);
  }
  copy_fixture(dir);
  ServerProcess server(db);
  HttpClient c = server.client();
  REQUIRE(wait_ready(c));
  CHECK(server.output().find("folding the read models again") != std::string::npos);
  CHECK(c.get("/v1/celebrities/only-later").status == 404);
  CHECK(c.get("/v1/celebrities/kanye-west").status == 200);
}

// Every byte of every file in `dir`.
std::string files_in(const TempDir& dir) {
  std::string all;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
    if (f.is_regular_file()) all += read_file(f.path().string());
  }
  return all;
}

// A takedown of the fixture's podcast statement (its only use of
// "likeability") on an upgraded store leaves no byte of it in any file.
void take_down_and_search(const TempDir& dir, const std::string& db) {
  REQUIRE(files_in(dir).find("likeability") != std::string::npos);
  ServerProcess server(db);
  HttpClient c = server.client();
  REQUIRE(wait_ready(c));
  const Json takedown = {
      {"type", "content_taken_down"},
      {"data", {{"fact_id", "f291e742-d731-4596-8bde-e3c301e7ad5c"}, {"reason", "court order"}}}};
  const HttpResult r = c.post_json("/v1/celebrities/kim-kardashian/events", takedown,
                                   {{"Authorization", "Bearer " + kFixtureSecret}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(files_in(dir).find("likeability") == std::string::npos);
  REQUIRE(server.stop() == 0);
  CHECK(files_in(dir).find("likeability") == std::string::npos);
  CHECK(run_starlog(dir, cat("verify --db ", shell_quote(db))).exit_code == 0);
}

TEST_CASE("a takedown on a store upgraded from format 1 leaves no copy in any file") {
  TempDir dir;
  take_down_and_search(dir, copy_fixture(dir));
}

TEST_CASE("a format-2 file's free pages, written without secure_delete, are zeroed on upgrade") {
  TempDir dir;
  const std::string db = copy_fixture(dir);
  // What the previous release's upgrade from format 1 did: drop the read
  // models' tables without zeroing their pages, which stay on the freelist
  // with their rows in them.
  const auto r = run_shell(
      dir, cat("sqlite3 ", shell_quote(db),
               " 'PRAGMA secure_delete=0; DROP TABLE projection_rows;"
               " DROP TABLE projection_checkpoints; DROP TABLE IF EXISTS projection_names;"
               " DROP TABLE IF EXISTS projection_trash; PRAGMA user_version=2;'"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(sqlite_int(dir, db, "PRAGMA freelist_count") > 0);
  take_down_and_search(dir, db);
  CHECK(sqlite_int(dir, db, "PRAGMA user_version") == 3);
}

}  // namespace
}  // namespace starlog::test
