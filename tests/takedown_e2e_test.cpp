// Lawful takedowns end to end, on the real `starlog serve` with the demo
// data: who may take content down, what a takedown answers, and that no
// byte of the erased content is left in any file of the store's directory,
// in any answer, the live feed or an export, while the chain and every
// projection still verify.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/support/cli.h"
#include "tests/support/command.h"
#include "tests/support/sse_client.h"

namespace starlog::test {
namespace {

using namespace std::chrono_literals;

// Kim Kardashian's podcast statement in the demo data; it names Kanye West
// as a participant. "likeability" appears nowhere else in the demo.
constexpr const char* kFact = "f291e742-d731-4596-8bde-e3c301e7ad5c";
constexpr const char* kMarker = "likeability";
// A correction of a Kanye West fact, and a fact of Kanye's own.
constexpr const char* kCorrection = "98217895-e0b3-41b7-94f8-fbc62833e713";
constexpr const char* kKanyesFact = "f17fb0f0-ed12-415d-afca-a3b26d7abc54";

// Every byte of every file in the store's directory.
std::string store_bytes(const TempDir& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

bool has(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

Json takedown(const std::string& fact_id) {
  return {{"type", "content_taken_down"},
          {"data",
           {{"fact_id", fact_id},
            {"reason", "court order: privacy"},
            {"legal_basis", "High Court injunction 2026/123"}}}};
}

std::vector<std::string> timeline_ids(HttpClient& c, const std::string& celebrity,
                                      const std::string& extra = "") {
  auto r =
      c.get(cat("/v1/celebrities/", celebrity, "/timeline?include=retracted&limit=500", extra));
  REQUIRE(r.status == 200);
  const Json body = r.json();  // the loop below must not iterate a temporary's member
  std::vector<std::string> ids;
  for (const auto& e : body.at("entries")) ids.push_back(e.at("fact_id").get<std::string>());
  return ids;
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::int64_t head_of(HttpClient& c) {
  auto r = c.get("/v1/events?after=0&limit=1");
  REQUIRE(r.status == 200);
  return r.json().at("head").get<std::int64_t>();
}

TEST_CASE("a takedown erases a demo fact from every file, answer and feed; the chain verifies") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  ServerProcess server(db, {"--demo", demo_dir()});
  const Headers admin = bearer(create_token(db, "legal", "admin"));
  const Headers editor = bearer(create_token(db, "alice", "editor"));
  HttpClient c = server.client();

  // Before: the fact is everywhere, and in the caches (a cached timeline, an
  // as-of answer, the live feed's window of recent frames).
  REQUIRE(c.get(cat("/v1/facts/", kFact)).status == 200);
  REQUIRE(contains(timeline_ids(c, "kim-kardashian"), kFact));
  REQUIRE(contains(timeline_ids(c, "kanye-west"), kFact));
  const std::int64_t before = head_of(c);
  const auto as_of = cat("&as_of_position=", std::to_string(before));
  REQUIRE(has(
      c.get(cat("/v1/celebrities/kim-kardashian/timeline?as_of_position=", std::to_string(before)),
            admin)
          .body,
      kMarker));
  const auto kim_before = c.get("/v1/celebrities/kim-kardashian").json().at("fact_count");
  SseClient early(server.host(), server.port(), "/v1/events/live?after=0");
  REQUIRE(early.read_events(static_cast<std::size_t>(before), 10s).size() ==
          static_cast<std::size_t>(before));
  REQUIRE(has(store_bytes(dir), kMarker));

  // Refused, and nothing written: an editor (403), an unknown fact, a
  // correction's id, another stream's fact (422).
  const std::string kim_events = "/v1/celebrities/kim-kardashian/events";
  CHECK(c.post_json(kim_events, takedown(kFact), editor).status == 403);
  auto unknown = c.post_json(kim_events, takedown("00000000-0000-4000-8000-000000000000"), admin);
  CHECK(unknown.status == 422);
  CHECK(unknown.json().at("errors")[0].at("pointer") == "/data/fact_id");
  CHECK(c.post_json("/v1/celebrities/kanye-west/events", takedown(kCorrection), admin).status ==
        422);
  CHECK(c.post_json("/v1/celebrities/kanye-west/events", takedown(kFact), admin).status == 422);
  CHECK(head_of(c) == before);

  // The takedown.
  auto done = c.post_json(kim_events, takedown(kFact), admin);
  REQUIRE_MESSAGE(done.status == 201, done.body);
  const std::string takedown_id = done.json().at("events")[0].at("id");
  // The moment the 201 is out, no file of the store holds a byte of it.
  CHECK_FALSE(has(store_bytes(dir), kMarker));

  // Again, of the takedown, or an amendment of the fact: 409, nothing written.
  CHECK(c.post_json(kim_events, takedown(kFact), admin).status == 409);
  CHECK(c.post_json(kim_events, takedown(takedown_id), admin).status == 409);
  CHECK(c.post_json(kim_events,
                    {{"type", "fact_retracted"}, {"data", {{"fact_id", kFact}, {"reason", "x"}}}},
                    editor)
            .status == 409);
  CHECK(head_of(c) == before + 1);

  // Reads: 410 naming the takedown; gone from both timelines (retracted
  // included), the count, the as-of answers of earlier times.
  auto gone = c.get(cat("/v1/facts/", kFact));
  CHECK(gone.status == 410);
  CHECK(gone.headers["content-type"] == "application/problem+json");
  CHECK(gone.json().at("taken_down").at("event_id") == takedown_id);
  CHECK(gone.json().at("taken_down").at("reason") == "court order: privacy");
  CHECK_FALSE(has(gone.body, kMarker));
  CHECK_FALSE(contains(timeline_ids(c, "kim-kardashian"), kFact));
  CHECK_FALSE(contains(timeline_ids(c, "kanye-west"), kFact));
  CHECK(contains(timeline_ids(c, "kanye-west"), kKanyesFact));
  CHECK(c.get("/v1/celebrities/kim-kardashian").json().at("fact_count") ==
        kim_before.get<std::int64_t>() - 1);
  auto earlier = c.get(
      cat("/v1/celebrities/kim-kardashian/timeline?include=retracted&limit=500", as_of), admin);
  REQUIRE(earlier.status == 200);
  CHECK_FALSE(has(earlier.body, kMarker));
  CHECK_FALSE(
      has(c.get("/v1/celebrities/kim-kardashian/timeline?format=timelinejs").body, kMarker));

  // The log, the stream and the live feed show the erased event as its
  // header plus taken_down.
  auto log = c.get("/v1/events?after=0&limit=1000");
  REQUIRE(log.status == 200);
  CHECK_FALSE(has(log.body, kMarker));
  int erased = 0;
  const Json events = log.json();
  for (const auto& e : events.at("events")) {
    if (!e.contains("taken_down")) continue;
    ++erased;
    CHECK(e.at("id") == kFact);
    CHECK(e.at("taken_down").at("event_id") == takedown_id);
    CHECK_FALSE(e.contains("data"));
    CHECK(e.at("content_digest").get<std::string>().size() == 64);
  }
  CHECK(erased == 1);
  CHECK_FALSE(has(c.get("/v1/celebrities/kim-kardashian/events").body, kMarker));
  SseClient late(server.host(), server.port(), "/v1/events/live?after=0");
  const auto& frames = late.read_events(static_cast<std::size_t>(before + 1), 10s);
  REQUIRE(frames.size() == static_cast<std::size_t>(before + 1));
  int taken_down_frames = 0;
  for (const auto& f : frames) {
    CHECK_FALSE(has(f.data, kMarker));
    if (f.type == "taken_down") ++taken_down_frames;
  }
  CHECK(taken_down_frames == 1);
  CHECK(frames.back().type == "content_taken_down");
  // A subscriber from before sees the takedown arrive.
  CHECK(early.read_events(static_cast<std::size_t>(before + 1), 10s).back().type ==
        "content_taken_down");

  // Proof: the chain and the projection verify over HTTP.
  auto verify = c.get("/v1/audit/verify", admin);
  REQUIRE(verify.status == 200);
  CHECK(verify.json().at("verified") == true);
  CHECK(verify.json().at("chain") == "ok");

  REQUIRE(server.stop() == 0);
  CHECK_FALSE(has(store_bytes(dir), kMarker));

  // On the command line: verify passes; the export holds the header; a
  // restore of it rebuilds the identical chain, erased.
  auto cli = run_starlog({"verify", "--db", db});
  CAPTURE(cli.out);
  CAPTURE(cli.err);
  CHECK(cli.exit_code == 0);
  auto exported = run_starlog({"export", "--db", db});
  REQUIRE(exported.exit_code == 0);
  CHECK_FALSE(has(exported.out, kMarker));
  CHECK(has(exported.out, "\"taken_down\""));
  const std::string dump = dir.file("export.ndjson");
  std::ofstream(dump) << exported.out;
  TempDir other;
  const std::string copy = other.file("starlog.db");
  auto restored = run_starlog({"import", "--restore", dump, "--db", copy});
  CAPTURE(restored.err);
  REQUIRE(restored.exit_code == 0);
  auto again = run_starlog({"export", "--db", copy});
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == exported.out);
  CHECK(run_starlog({"verify", "--db", copy}).exit_code == 0);
  CHECK_FALSE(has(store_bytes(other), kMarker));
}

TEST_CASE(
    "a takedown while a rebuild runs restarts it without the content, and it still verifies") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  // A slow rebuild, so that it is still folding when the takedown comes.
  ServerProcess server(db, {"--demo", demo_dir(), "--rebuild-max-rate", "20"});
  const Headers admin = bearer(create_token(db, "legal", "admin"));
  HttpClient c = server.client();
  REQUIRE(c.post("/v1/projections/timeline/rebuild", "", admin).status == 202);
  // Wait until the copy has folded the fact (its position is in the demo's
  // first half), so the copy's rows hold its content.
  auto fact = c.get(cat("/v1/facts/", kFact)).json();
  const std::int64_t fact_position = fact.at("fact").at("position");
  bool past = false;
  for (int i = 0; i < 600 && !past; ++i) {
    auto p = c.get("/v1/projections").json()[0];
    past = p.at("status") == "rebuilding" && !p.at("rebuild").is_null() &&
           p.at("rebuild").at("position").get<std::int64_t>() > fact_position;
    if (!past) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(past);
  auto done = c.post_json("/v1/celebrities/kim-kardashian/events", takedown(kFact), admin);
  REQUIRE_MESSAGE(done.status == 201, done.body);
  CHECK_FALSE(has(store_bytes(dir), kMarker));
  // The rebuild goes on (started again) and proves its rows.
  bool finished = false;
  for (int i = 0; i < 1200 && !finished; ++i) {
    auto p = c.get("/v1/projections").json()[0];
    finished = p.at("status") == "live" && !p.at("last_rebuild").is_null();
    if (!finished) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(finished);
  auto last = c.get("/v1/projections").json()[0].at("last_rebuild");
  CHECK(last.at("result") == "verified");
  CHECK_FALSE(has(store_bytes(dir), kMarker));
  REQUIRE(server.stop() == 0);
  CHECK(run_starlog({"verify", "--db", db}).exit_code == 0);
}

}  // namespace
}  // namespace starlog::test
