// Test support for the projections' audit tests: a real SQLite log and
// projection store on a temporary file, the live timeline projector over
// them, and builders for events. Tests only.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "projections/projector.h"
#include "projections/timeline_projection.h"
#include "projections/timeline_reader.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_projection_store.h"
#include "store/sqlite_test_support.h"

namespace starlog::projections::testing {

inline constexpr domain::Millis kStart{std::chrono::milliseconds(1'764'169'445'123)};

inline std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

inline domain::NewEvent new_event(int n, std::string type, Json data,
                                  std::optional<std::string> occurred = {},
                                  Json participants = Json::array()) {
  domain::NewEvent e;
  e.id = uuid(n);
  e.type = std::move(type);
  e.data = std::move(data);
  e.occurred = std::move(occurred);
  e.participants = std::move(participants);
  return e;
}

inline Json with(const std::vector<std::string>& celebrities) {
  Json out = Json::array();
  for (const auto& c : celebrities) out.push_back({{"celebrity", c}, {"role", "guest"}});
  return out;
}

// A Starlog store on a fresh file: log, rows, the live timeline projector.
struct Store {
  store::testing::TempDir tmp;
  domain::FakeClock clock{kStart};
  std::shared_ptr<store::SqliteDatabase> db = store::testing::open_db(tmp.path());
  std::unique_ptr<store::SqliteEventStore> log = store::SqliteEventStore::open(db, clock).value();
  std::shared_ptr<store::SqliteDatabase> read_models =
      store::testing::open_read_model_db(store::read_model_path(tmp.path()));
  std::unique_ptr<store::SqliteProjectionStore> rows =
      store::SqliteProjectionStore::open(read_models).value();
  TimelineProjection projection;
  Projector live{*log, *rows, projection};
  TimelineReader reader{*rows, std::string(TimelineProjection::kName)};
  int next_id = 1;

  // Appends one event to `stream` (a second of recorded time after the
  // previous one) and catches the live projection up.
  std::int64_t append(const std::string& stream, domain::NewEvent e) {
    if (e.id.empty()) e.id = uuid(next_id);
    ++next_id;
    store::AppendRequest r{stream, store::Expected::any(), {std::move(e)}, false, "alice"};
    auto res = log->append(r);
    REQUIRE_MESSAGE(res.ok(), res.status().message());
    clock.advance(std::chrono::seconds(1));
    REQUIRE(live.catch_up().ok());
    return res->events.back().position;
  }
  std::string register_celebrity(const std::string& id, const std::string& name,
                                 const std::string& born = "") {
    Json data = {{"name", name}};
    if (!born.empty()) data["born"] = born;
    const std::string event_id = uuid(next_id);
    append(id, new_event(next_id, "celebrity_registered", data));
    return event_id;
  }
  // A fact; returns its id.
  std::string fact(const std::string& stream, const std::string& title, const std::string& occurred,
                   const std::vector<std::string>& participants = {}) {
    const std::string id = uuid(next_id);
    append(stream,
           new_event(next_id, "album_released", {{"title", title}}, occurred, with(participants)));
    return id;
  }
  void correct(const std::string& stream, const std::string& fact_id, Json changes) {
    append(stream,
           new_event(next_id, "fact_corrected",
                     {{"fact_id", fact_id}, {"reason", "better source"}, {"changes", changes}}));
  }
  void retract(const std::string& stream, const std::string& fact_id) {
    append(stream,
           new_event(next_id, "fact_retracted", {{"fact_id", fact_id}, {"reason", "withdrawn"}}));
  }

  // Runs SQL on the log file as the sqlite3 shell would (a second
  // connection); raw_sql_read_models on the read-model file.
  void raw_sql(const std::string& sql) { raw_sql_on(tmp.path(), sql); }
  void raw_sql_read_models(const std::string& sql) {
    raw_sql_on(store::read_model_path(tmp.path()), sql);
  }
  static void raw_sql_on(const std::string& file, const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(raw);
    REQUIRE_MESSAGE(rc == SQLITE_OK, msg);
  }
};

}  // namespace starlog::projections::testing
