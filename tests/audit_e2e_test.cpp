// End-to-end audits over HTTP (docs/audit.md): verify, time travel, and
// rebuilds beside the live projection, on the real `starlog serve`.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "projections/timeline_projection.h"
#include "tests/support/cli.h"
#include "tests/support/command.h"

namespace starlog::test {
namespace {

using namespace std::chrono_literals;

// A client with an admin token: audits, rebuilds and appends all need one
// (docs/events.md#roles-and-tokens). One token per database, made on first use.
HttpClient admin_client(const ServerProcess& server) {
  static std::map<std::string, std::string> secrets;
  auto it = secrets.find(server.db_path());
  if (it == secrets.end())
    it = secrets.emplace(server.db_path(), create_token(server.db_path(), "audit-admin", "admin"))
             .first;
  HttpClient c = server.client();
  c.set_default_headers(bearer(it->second));
  return c;
}

// Polls `done` every 20 ms for up to a minute.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

Json projection(HttpClient& c) {
  auto r = c.get("/v1/projections");
  REQUIRE(r.status == 200);
  REQUIRE(r.json().size() == 1);
  return r.json()[0];
}

Json wait_until_live(HttpClient& c) {
  Json p;
  REQUIRE(eventually([&] {
    p = projection(c);
    return p.at("status") == "live";
  }));
  return p;
}

// A store of `celebrities` celebrities with `facts_each` facts, plus "quiet"
// (one fact nobody touches later) and "busy" (which tests append to),
// imported with the CLI: consecutive lines of one stream go in one batch.
std::string big_store(const TempDir& dir, int celebrities, int facts_each) {
  std::string ndjson;
  auto line = [&](const std::string& stream, const std::string& rest) {
    ndjson += cat(R"({"stream":")", stream, R"(",)", rest, "}\n");
  };
  line("quiet", R"("type":"celebrity_registered","data":{"name":"Quiet One","born":"1980-05-05"})");
  line("quiet", R"("type":"album_released","occurred":"2001","data":{"title":"Untouched"})");
  line("busy", R"("type":"celebrity_registered","data":{"name":"Busy One"})");
  for (int c = 0; c < celebrities; ++c) {
    const std::string id = cat("person-", std::to_string(c));
    line(id, cat(R"("type":"celebrity_registered","data":{"name":"Person )", std::to_string(c),
                 R"("})"));
    for (int f = 0; f < facts_each; ++f) {
      std::string rest =
          cat(R"("type":"album_released","occurred":")", std::to_string(1990 + f % 30),
              R"(","data":{"title":"Album )", std::to_string(f), R"("})");
      if (f % 5 == 0) rest += R"(,"participants":[{"celebrity":"busy","role":"guest"}])";
      line(id, rest);
    }
  }
  write_file(dir.file("big.ndjson"), ndjson);
  const std::string db = dir.file("big.db");
  auto r = run_starlog(
      dir, cat("import --db ", shell_quote(db), " ", shell_quote(dir.file("big.ndjson"))));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return db;
}

Json album(const std::string& title, const std::string& occurred) {
  return {{"type", "album_released"}, {"occurred", occurred}, {"data", {{"title", title}}}};
}

TEST_CASE(
    "GET /v1/audit/verify reports an intact store, then the position the sqlite3 shell altered") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  ServerProcess server(db, {"--demo", demo_dir()});
  auto c = admin_client(server);
  // Verify is for auditors (and admins); rebuilds are for admins only.
  const Headers editor = bearer(create_token(db, "ed", "editor"));
  const Headers auditor = bearer(create_token(db, "aud", "auditor"));
  CHECK(server.client().get("/v1/audit/verify").status == 401);
  CHECK(server.client().get("/v1/audit/verify", editor).status == 403);
  CHECK(server.client().get("/v1/audit/verify", auditor).status == 200);
  CHECK(server.client().post("/v1/projections/timeline/rebuild", "", auditor).status == 403);
  CHECK(server.client().get("/v1/projections").status == 200);
  auto ok = c.get("/v1/audit/verify");
  REQUIRE(ok.status == 200);
  CHECK(ok.json().at("verified") == true);
  CHECK(ok.json().at("chain") == "ok");
  CHECK(ok.json().at("events") == 22);
  CHECK(ok.json().at("projections")[0].at("match") == true);
  CHECK(ok.json().at("projections")[0].at("position") == 22);
  // The command line reads the same file beside the running server.
  auto cli = run_starlog(dir, cat("verify --db ", shell_quote(db)));
  CHECK(cli.exit_code == 0);
  CHECK(Json::parse(cli.out).at("head_hash") == ok.json().at("head_hash"));

  auto forged =
      run_shell(dir, cat("sqlite3 ", shell_quote(db),
                         " \"DROP TRIGGER events_no_update; UPDATE events SET data ="
                         " json_set(data, '\\$.title', 'Donda (Deluxe)') WHERE position = 10\""));
  REQUIRE_MESSAGE(forged.exit_code == 0, forged.err);
  auto bad = c.get("/v1/audit/verify");
  REQUIRE(bad.status == 200);
  const Json r = bad.json();
  CHECK(r.at("verified") == false);
  CHECK(r.at("chain") == "broken");
  CHECK(r.at("first_bad_position") == 10);
  CHECK(r.at("projections")[0].at("match") == false);
}

TEST_CASE("as_of and as_of_position show the timeline as it stood, as starlog replay prints it") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  ServerProcess server(db);
  auto c = admin_client(server);
  // Five events, each in a millisecond of its own.
  auto post = [&](const std::string& who, const Json& body) {
    auto r = c.post_json(cat("/v1/celebrities/", who, "/events"), body);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    std::this_thread::sleep_for(15ms);
    return r.json().at("events")[0].at("id").get<std::string>();
  };
  post("ann",
       {{"type", "celebrity_registered"}, {"data", {{"name", "Ann"}, {"born", "1990-01-01"}}}});
  const std::string fact = post("ann", album("First", "2015-03"));
  post("bob", {{"type", "celebrity_registered"}, {"data", {{"name", "Bob"}}}});
  post("ann", {{"type", "fact_corrected"},
               {"data",
                {{"fact_id", fact},
                 {"reason", "Bob was on it"},
                 {"changes", {{"participants", {{{"celebrity", "bob"}}}}}}}}});
  post("ann", {{"type", "fact_retracted"}, {"data", {{"fact_id", fact}, {"reason", "no source"}}}});
  const Json log = c.get("/v1/events").json().at("events");
  REQUIRE(log.size() == 5);

  auto timeline = [&](const std::string& who, const std::string& query) {
    auto r = c.get(cat("/v1/celebrities/", who, "/timeline?include=retracted&", query));
    CAPTURE(query);
    REQUIRE(r.status == 200);
    return r;
  };
  auto replay = [&](const std::string& who, const std::string& args) {
    auto r = run_starlog(dir, cat("replay --db ", shell_quote(db),
                                  " --include-retracted --celebrity ", who, " ", args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return r.out;
  };
  for (int p = 2; p <= 5; ++p) {
    const std::string n = std::to_string(p);
    const auto api = timeline("ann", cat("as_of_position=", n));
    CHECK(replay("ann", cat("--as-of-position ", n)) == cat(api.body, "\n"));
    const std::string at = log[static_cast<std::size_t>(p - 1)].at("recorded_at");
    CHECK(timeline("ann", cat("as_of=", at)).body == api.body);
    CHECK(replay("ann", cat("--as-of ", at)) == cat(api.body, "\n"));
    CHECK(api.json().at("position") == p);
  }
  CHECK(timeline("ann", "as_of_position=2").json().at("entries")[0].at("status") == "active");
  CHECK(timeline("ann", "as_of_position=4").json().at("entries")[0].at("status") == "corrected");
  CHECK(timeline("ann", "as_of_position=5").json().at("entries")[0].at("status") == "retracted");
  // Bob is on the fact only from the correction at position 4.
  CHECK(timeline("bob", "as_of_position=3").json().at("entries").empty());
  CHECK(timeline("bob", "as_of_position=4").json().at("entries")[0].at("role") == "participant");
  // The present, replayed, is the live timeline byte for byte.
  CHECK(timeline("ann", "as_of_position=5").body ==
        c.get("/v1/celebrities/ann/timeline?include=retracted").body);

  // A past timeline never changes: a strong ETag that survives appends, 304
  // on revalidation, and the same bytes from the cache as from the fold.
  const auto first = timeline("ann", "as_of_position=3");
  const std::string tag = first.header("etag");
  REQUIRE_FALSE(tag.empty());
  CHECK(first.header("cache-control") == "no-cache");
  post("ann", album("Second", "2016"));
  const auto again = timeline("ann", "as_of_position=3");
  CHECK(again.header("etag") == tag);
  CHECK(again.body == first.body);
  CHECK(c.get("/v1/celebrities/ann/timeline?include=retracted&as_of_position=3",
              {{"If-None-Match", tag}})
            .status == 304);
  CHECK(timeline("ann", "as_of_position=4").header("etag") != tag);

  auto bad = [&](const std::string& query, const std::string& parameter) {
    auto r = c.get(cat("/v1/celebrities/ann/timeline?", query));
    CAPTURE(query);
    CHECK(r.status == 400);
    CHECK(r.json().at("parameter") == parameter);
  };
  bad("as_of_position=100", "as_of_position");
  bad("as_of_position=-1", "as_of_position");
  bad("as_of_position=2&as_of=2026-01-01T00:00:00Z", "as_of_position");
  bad("as_of=yesterday", "as_of");
  CHECK(c.get("/v1/celebrities/bob/timeline?as_of_position=2").status == 404);
  CHECK(c.get("/v1/celebrities/ann/timeline?as_of=2000-01-01T00:00:00Z").status == 404);
}

TEST_CASE(
    "a rebuild runs beside the live projection: reads never fail or change, appends go on, the "
    "swap is verified") {
  TempDir dir;
  const std::string db = big_store(dir, 30, 50);  // 1,533 events
  ServerProcess server(db);
  auto c = admin_client(server);
  const auto quiet = c.get("/v1/celebrities/quiet/timeline");
  REQUIRE(quiet.status == 200);
  const auto quiet_profile = c.get("/v1/celebrities/quiet");
  REQUIRE(projection(c).at("status") == "live");

  auto started = c.post("/v1/projections/timeline/rebuild?max_rate=1000", "");
  REQUIRE(started.status == 202);
  CHECK(started.json().at("status") == "rebuilding");

  std::atomic<bool> stop{false};
  std::atomic<int> appended{0}, unread_writes{0};
  std::thread writer([&] {
    auto w = admin_client(server);
    for (int i = 0; !stop; ++i) {
      const std::string title = cat("Live ", std::to_string(i));
      auto r = w.post_json("/v1/celebrities/busy/events", album(title, "2030"));
      if (r.status != 201) continue;
      ++appended;
      // Read-your-writes holds during the rebuild too.
      auto t = w.get("/v1/celebrities/busy/timeline?order=desc&limit=1");
      if (t.status != 200 || t.json().at("entries")[0].at("data").at("title") != title)
        ++unread_writes;
      std::this_thread::sleep_for(10ms);
    }
  });
  int reads_while_rebuilding = 0;
  std::int64_t last_copy_position = 0;
  bool saw_partial_progress = false;
  std::int64_t last_position = 0;
  for (;;) {
    const Json p = projection(c);
    if (p.at("status") != "rebuilding") break;
    CHECK(p.at("position") <= p.at("head"));
    CHECK(p.at("position") >= last_position);
    last_position = p.at("position");
    if (!p.at("rebuild").is_null()) {
      // The copy only moves forward; its share of a growing log need not.
      const std::int64_t at = p.at("rebuild").at("position");
      CHECK(at >= last_copy_position);
      last_copy_position = at;
      const double progress = p.at("rebuild").at("progress");
      CHECK(progress >= 0.0);
      CHECK(progress <= 1.0);
      saw_partial_progress = saw_partial_progress || (progress > 0 && progress < 1);
    }
    // The answer's "position" follows the appends; what it shows must not move.
    auto t = c.get("/v1/celebrities/quiet/timeline");
    CHECK(t.status == 200);
    CHECK(t.json().at("entries") == quiet.json().at("entries"));
    CHECK(t.json().at("position") >= quiet.json().at("position"));
    CHECK(c.get("/v1/celebrities/quiet").body == quiet_profile.body);
    ++reads_while_rebuilding;
  }
  stop = true;
  writer.join();
  CHECK(reads_while_rebuilding >= 5);
  CHECK(saw_partial_progress);
  CHECK(appended >= 5);
  CHECK(unread_writes == 0);

  const Json done = wait_until_live(c);
  CAPTURE(done.dump());
  CHECK(done.at("last_rebuild").at("result") == "verified");
  CHECK(done.at("last_rebuild").at("digest") == done.at("last_rebuild").at("live_digest"));
  CHECK(c.get("/v1/celebrities/quiet/timeline").json().at("entries") == quiet.json().at("entries"));
  CHECK(c.get("/v1/audit/verify").json().at("verified") == true);

  CHECK(c.post("/v1/projections/nothing/rebuild", "").status == 404);
  CHECK(c.post("/v1/projections/timeline/rebuild?max_rate=fast", "").status == 400);
}

TEST_CASE(
    "a live projection the sqlite3 shell damaged is found by verify and repaired by a rebuild") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  ServerProcess server(db, {"--demo", demo_dir()});
  auto c = admin_client(server);
  REQUIRE(c.get("/v1/celebrities/jay-z").status == 200);
  auto damaged = run_shell(dir, cat("sqlite3 ", shell_quote(db + ".projections"),
                                    " \"DELETE FROM projection_rows WHERE projection = 'timeline'"
                                    " AND key = CAST('c/jay-z' AS BLOB)\""));
  REQUIRE_MESSAGE(damaged.exit_code == 0, damaged.err);
  CHECK(c.get("/v1/celebrities/jay-z").status == 404);
  const Json before = c.get("/v1/audit/verify").json();
  CHECK(before.at("chain") == "ok");
  CHECK(before.at("projections")[0].at("match") == false);

  REQUIRE(c.post("/v1/projections/timeline/rebuild", "").status == 202);
  const Json done = wait_until_live(c);
  CAPTURE(done.dump());
  CHECK(done.at("last_rebuild").at("result") == "repaired");
  CHECK(done.at("last_rebuild").at("digest") == done.at("last_rebuild").at("replay_digest"));
  CHECK(c.get("/v1/celebrities/jay-z").status == 200);
  CHECK(c.get("/v1/audit/verify").json().at("verified") == true);
}

TEST_CASE(
    "a projection written by an older code version is rebuilt at start-up while reads go on") {
  TempDir dir;
  const std::string db = big_store(dir, 30, 50);
  // As if an older Starlog had written the timeline rows.
  auto old = run_shell(dir, cat("sqlite3 ", shell_quote(db + ".projections"),
                                " \"UPDATE projection_checkpoints SET code_version = 0"
                                " WHERE projection = 'timeline'\""));
  REQUIRE_MESSAGE(old.exit_code == 0, old.err);
  ServerProcess server(db, {"--rebuild-max-rate", "1000"});
  auto c = admin_client(server);
  const Json first = projection(c);
  CAPTURE(first.dump());
  CHECK(first.at("status") == "rebuilding");
  CHECK(first.at("rows_code_version") == 0);
  CHECK(first.at("rebuild").at("reason") == "code_version");
  const auto quiet = c.get("/v1/celebrities/quiet/timeline");
  CHECK(quiet.status == 200);
  int reads = 0;
  while (projection(c).at("status") == "rebuilding") {
    CHECK(c.get("/v1/celebrities/quiet/timeline").body == quiet.body);
    ++reads;
  }
  CHECK(reads >= 3);
  const Json done = wait_until_live(c);
  CHECK(done.at("last_rebuild").at("result") == "upgraded");
  CHECK(done.at("rows_code_version") == done.at("code_version"));
  CHECK(c.get("/v1/celebrities/quiet/timeline").body == quiet.body);
  CHECK(c.get("/v1/audit/verify").json().at("verified") == true);
  CHECK(server.output().find(cat("rebuilding it as version ",
                                 std::to_string(projections::TimelineProjection::kCodeVersion))) !=
        std::string::npos);
}

TEST_CASE("a rebuild killed mid-way is resumed at the next start, from its copy's checkpoint") {
  TempDir dir;
  const std::string db = big_store(dir, 30, 50);
  ServerProcess server(db, {"--rebuild-max-rate", "400"});
  auto c = admin_client(server);
  const std::string quiet = c.get("/v1/celebrities/quiet/timeline").body;
  REQUIRE(c.post("/v1/projections/timeline/rebuild", "").status == 202);
  // Killed once the copy has committed part of the log, well short of it.
  std::int64_t reached = 0;
  REQUIRE(eventually([&] {
    const Json p = projection(c);
    if (p.at("rebuild").is_null()) return false;
    reached = p.at("rebuild").at("position").get<std::int64_t>();
    return reached >= 200;
  }));
  REQUIRE(reached < projection(c).at("head").get<std::int64_t>());
  server.kill9();

  server.restart();
  CHECK(server.output().find(
            "a rebuild of the timeline projection was interrupted at log position") !=
        std::string::npos);
  const Json resumed = projection(c);
  CAPTURE(resumed.dump());
  if (resumed.at("status") == "rebuilding") {
    CHECK(resumed.at("rebuild").at("reason") == "resumed");
    // It goes on from where the copy stood, not from 0.
    CHECK(resumed.at("rebuild").at("position").get<std::int64_t>() >= 200);
  }
  CHECK(c.get("/v1/celebrities/quiet/timeline").body == quiet);
  const Json done = wait_until_live(c);
  CAPTURE(done.dump());
  CHECK(done.at("last_rebuild").at("reason") == "resumed");
  CHECK(done.at("last_rebuild").at("result") == "verified");
  CHECK(c.get("/v1/audit/verify").json().at("verified") == true);
  // Nothing is left to resume afterwards.
  server.restart();
  CHECK(server.output().rfind("resuming it") == server.output().find("resuming it"));
}

}  // namespace
}  // namespace starlog::test
