#include "store/sqlite_schema.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "domain/clock.h"
#include "store/sqlite_database.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_projection_store.h"
#include "store/sqlite_test_support.h"
#include "store/sqlite_token_store.h"

namespace starlog::store {
namespace {

using testing::TempDir;

constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(raw);
  REQUIRE_MESSAGE(rc == SQLITE_OK, msg);
}

std::int64_t tables_named(SqliteDatabase& db, const char* like) {
  return testing::writer_int(
      db, (std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE '") +
           like + "'")
              .c_str());
}

domain::NewEvent registered(const std::string& name) {
  domain::NewEvent e;
  e.id = "00000000-0000-4000-8000-000000000001";
  e.type = "celebrity_registered";
  e.data = {{"name", name}};
  return e;
}

TEST_CASE(
    "the log and the read models are two kinds of file that refuse to stand in for each other") {
  TempDir tmp;
  const std::string views = read_model_path(tmp.path());
  CHECK(views == tmp.path() + ".projections");
  {
    auto log = testing::open_db(tmp.path());
    auto rm = testing::open_read_model_db(views);
    CHECK(testing::writer_int(*log, "PRAGMA application_id") == log_schema().application_id);
    CHECK(testing::writer_int(*rm, "PRAGMA application_id") == read_model_schema().application_id);
    CHECK(testing::writer_int(*log, "PRAGMA synchronous") == 2);  // FULL: appends are durable
    CHECK(testing::writer_int(*rm, "PRAGMA synchronous") == 1);   // NORMAL: refolded if lost
    CHECK(tables_named(*log, "projection%") == 0);
    CHECK(tables_named(*log, "events") == 1);
    CHECK(tables_named(*rm, "projection%") == 4);
    CHECK(tables_named(*rm, "events") == 0);

    SUBCASE("a projection store needs the read-model file") {
      auto wrong = SqliteProjectionStore::open(log);
      REQUIRE_FALSE(wrong.ok());
      CHECK(wrong.status().code() == Code::io_error);
      CHECK(SqliteProjectionStore::open(rm).ok());
    }
  }
  auto as_log = SqliteDatabase::open(views);
  REQUIRE_FALSE(as_log.ok());
  CHECK(as_log.status().code() == Code::corrupt);
  CHECK(as_log.status().message().find("not a Starlog log database") != std::string::npos);
  auto as_views = SqliteDatabase::open_read_models(tmp.path());
  REQUIRE_FALSE(as_views.ok());
  CHECK(as_views.status().code() == Code::corrupt);
  CHECK(as_views.status().message().find("not a Starlog read-model database") != std::string::npos);
}

TEST_CASE(
    "a format-1 log is upgraded in one transaction: read-model tables gone, events and tokens "
    "kept") {
  TempDir tmp;
  domain::FakeClock clock{kStart};
  {
    auto db = testing::open_db(tmp.path());
    auto log = SqliteEventStore::open(db, clock).value();
    AppendRequest r;
    r.stream = "ann";
    r.events = {registered("Ann")};
    r.recorded_by = "alice";
    REQUIRE(log->append(r).ok());
    auto tokens = SqliteTokenStore::open(db, clock).value();
    REQUIRE(tokens->create("alice", domain::Role::editor, std::string(64, 'a')).is_ok());
  }
  // What a format-1 file held besides: the read models, in the same file.
  raw_exec(
      tmp.path(),
      "CREATE TABLE projection_rows(projection TEXT NOT NULL, key BLOB NOT NULL,"
      " value BLOB NOT NULL, PRIMARY KEY(projection, key)) WITHOUT ROWID;"
      "CREATE TABLE projection_checkpoints(projection TEXT PRIMARY KEY,"
      " position INTEGER NOT NULL, code_version INTEGER NOT NULL);"
      "CREATE TABLE projection_names(name TEXT PRIMARY KEY, space TEXT NOT NULL UNIQUE);"
      "CREATE TABLE projection_trash(space TEXT PRIMARY KEY);"
      "INSERT INTO projection_rows VALUES('timeline', CAST('c/ann' AS BLOB), CAST('{}' AS BLOB));"
      "INSERT INTO projection_checkpoints VALUES('timeline', 1, 2);"
      "PRAGMA user_version=1;");

  auto db = testing::open_db(tmp.path());
  CHECK(db->upgraded_from() == 1);
  CHECK(testing::writer_int(*db, "PRAGMA user_version") == log_schema().version);
  CHECK(tables_named(*db, "projection%") == 0);
  CHECK(testing::writer_int(*db, "SELECT count(*) FROM events") == 1);
  CHECK(testing::writer_int(*db, "SELECT count(*) FROM tokens") == 1);
  db.reset();
  auto again = testing::open_db(tmp.path());
  CHECK(again->upgraded_from() == 0);
}

TEST_CASE("a read-model file uses 8 KiB pages, so that most rows need no overflow page") {
  TempDir tmp;
  auto rm = testing::open_read_model_db(read_model_path(tmp.path()));
  CHECK(testing::writer_int(*rm, "PRAGMA page_size") == 8192);
}

}  // namespace
}  // namespace starlog::store
