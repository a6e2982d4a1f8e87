// In-process tests of the frontend-facing reads where the real binary
// cannot show enough: how much a 304 reads, and timing-dependent behaviour
// of the live feed with short intervals.
#include <doctest/doctest.h>

#include <map>
#include <semaphore>
#include <thread>

#include "api/live_feed.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/server.h"
#include "domain/clock.h"
#include "projections/projector.h"
#include "projections/timeline_projection.h"
#include "projections/timeline_reader.h"
#include "store/memory_projection_store.h"
#include "store/sqlite_event_store.h"
#include "tests/support/server_process.h"
#include "tests/support/sse_client.h"

namespace starlog::test {
namespace {

using namespace std::chrono_literals;

// Counts what the read side asks of the projection store.
class CountingStore final : public store::ProjectionStore {
 public:
  Result<store::Checkpoint> checkpoint(std::string_view p) override { return inner_.checkpoint(p); }
  Status commit(std::string_view p, const std::vector<store::KvWrite>& w,
                store::Checkpoint c) override {
    return inner_.commit(p, w, c);
  }
  Result<std::optional<std::string>> get(std::string_view p, std::string_view key) override {
    ++gets;
    return inner_.get(p, key);
  }
  Status scan(std::string_view p, std::string_view lower, std::string_view upper, bool reverse,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    ++scans;
    return inner_.scan(p, lower, upper, reverse, visit);
  }
  Result<store::Checkpoint> scan_all(
      std::string_view p,
      const std::function<void(std::string_view, std::string_view)>& visit) override {
    ++scans;
    return inner_.scan_all(p, visit);
  }
  Status drop(std::string_view p) override { return inner_.drop(p); }
  Status rename(std::string_view from, std::string_view to) override {
    return inner_.rename(from, to);
  }
  std::optional<std::uint64_t> generation() const override { return inner_.generation(); }

  std::atomic<int> gets{0}, scans{0};

 private:
  store::MemoryProjectionStore inner_;
};

// The core wired as `starlog serve` wires it, on a temporary file.
struct Core {
  Core() {
    auto opened = store::SqliteDatabase::open(dir.file("starlog.db"));
    REQUIRE(opened.ok());
    db = *opened;
    auto l = store::SqliteEventStore::open(db, clock);
    REQUIRE(l.ok());
    log = std::move(*l);
    projector = std::make_unique<projections::Projector>(*log, rows, projection);
    reader = std::make_unique<projections::TimelineReader>(
        rows, std::string(projections::TimelineProjection::kName));
    services = std::make_unique<api::Services>(api::Services{*log, *projector, *reader});
    api::add_routes(router, *services);
    // In process, every call is an editor's (auth has its own tests).
    router.set_guard([](const api::Request&, domain::Permission,
                        api::RouteParams& params) -> std::optional<api::Response> {
      params.principal = domain::Principal{"frontend-test", domain::Role::editor};
      return std::nullopt;
    });
  }

  api::Response call(http::verb method, std::string target, const Json& body = nullptr,
                     std::map<std::string, std::string> headers = {}) {
    api::Request req{method, target, 11};
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
      req.prepare_payload();
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    return router.dispatch(req);
  }
  void append(const std::string& celebrity, const Json& event) {
    auto r = call(http::verb::post, "/v1/celebrities/" + celebrity + "/events", event);
    REQUIRE_MESSAGE(r.result_int() == 201, r.body());
  }

  TempDir dir;
  domain::SystemClock clock;
  std::shared_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteEventStore> log;
  CountingStore rows;
  projections::TimelineProjection projection;
  std::unique_ptr<projections::Projector> projector;
  std::unique_ptr<projections::TimelineReader> reader;
  std::unique_ptr<api::Services> services;
  api::Router router;
};

TEST_CASE("a 304 is decided from memory: no scan, no row read, no body built") {
  Core c;
  c.append("kanye-west", {{"type", "celebrity_registered"}, {"data", {{"name", "Kanye West"}}}});
  for (int i = 0; i < 50; ++i) {
    c.append("kanye-west", {{"type", "album_released"},
                            {"occurred", std::to_string(1990 + i)},
                            {"data", {{"title", "A" + std::to_string(i)}}}});
  }
  for (std::string url : {"/v1/celebrities/kanye-west/timeline", "/v1/celebrities/kanye-west",
                          "/v1/celebrities/kanye-west/timeline?format=timelinejs"}) {
    CAPTURE(url);
    auto full = c.call(http::verb::get, url);
    REQUIRE(full.result_int() == 200);
    CHECK(c.rows.scans > 0);
    c.rows.gets = 0;
    c.rows.scans = 0;
    auto cached = c.call(http::verb::get, url, nullptr,
                         {{"If-None-Match", std::string(full[http::field::etag])}});
    CHECK(cached.result_int() == 304);
    CHECK(cached.body().empty());
    CHECK(c.rows.scans == 0);
    // The revision was read for the full answer, and no write came since.
    CHECK(c.rows.gets == 0);
  }
  // A write makes the next read ask for the revision again, and the old
  // tag no longer matches.
  const std::string before = std::string(
      c.call(http::verb::get, "/v1/celebrities/kanye-west/timeline")[http::field::etag]);
  c.append("kanye-west",
           {{"type", "album_released"}, {"occurred", "2041"}, {"data", {{"title", "New"}}}});
  c.rows.gets = 0;
  auto changed = c.call(http::verb::get, "/v1/celebrities/kanye-west/timeline", nullptr,
                        {{"If-None-Match", before}});
  CHECK(changed.result_int() == 200);
  CHECK(std::string(changed[http::field::etag]) != before);
  CHECK(c.rows.gets >= 1);
  auto directory = c.call(http::verb::get, "/v1/celebrities");
  c.rows.gets = 0;
  c.rows.scans = 0;
  auto cached = c.call(http::verb::get, "/v1/celebrities", nullptr,
                       {{"If-None-Match", std::string(directory[http::field::etag])}});
  CHECK(cached.result_int() == 304);
  CHECK(c.rows.scans == 0);
  CHECK(c.rows.gets == 0);
}

TEST_CASE(
    "profile and live timeline reads of a caught-up projection are answered at once; others go to "
    "the pool") {
  Core c;
  c.append("ann", {{"type", "celebrity_registered"}, {"data", {{"name", "Ann"}}}});
  auto at_once = [&](http::verb method, std::string target) {
    api::Request req{method, target, 11};
    return api::answers_at_once(*c.services, req);
  };
  CHECK(at_once(http::verb::get, "/v1/celebrities/ann"));
  CHECK(at_once(http::verb::get, "/v1/celebrities/ann/timeline"));
  CHECK(at_once(http::verb::get, "/v1/celebrities/ann/timeline?limit=5&order=desc"));
  CHECK(at_once(http::verb::head, "/v1/celebrities/ann/timeline"));
  CHECK_FALSE(at_once(http::verb::post, "/v1/celebrities/ann/events"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities/ann/events"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities/ann/timeline?as_of_position=1"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities/ann/timeline?as_of=2026-01-01T00:00:00Z"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities?q=an"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities/"));
  CHECK_FALSE(at_once(http::verb::get, "/v1/audit/verify"));
  // Appended but not folded yet: the read would wait for the fold.
  store::AppendRequest r{"ann",
                         store::Expected::any(),
                         {domain::NewEvent{.id = "7d9f6a2e-0c1b-4e8a-9f3d-2b6c5e4a1f00",
                                           .type = "album_released",
                                           .occurred = "2001",
                                           .data = {{"title", "Unfolded"}}}},
                         false,
                         "test"};
  REQUIRE(c.log->append(r).ok());
  CHECK_FALSE(at_once(http::verb::get, "/v1/celebrities/ann/timeline"));
  REQUIRE(c.projector->catch_up().ok());
  CHECK(at_once(http::verb::get, "/v1/celebrities/ann/timeline"));
}

// A Server with the live feed on a background thread.
struct LiveServer {
  explicit LiveServer(Core& core, api::LiveFeedOptions options)
      : feed(*core.log, std::move(options)),
        server(
            [] {
              api::ServerOptions o;
              o.port = 0;
              o.threads = 2;
              o.shutdown_timeout = 2s;
              return o;
            }(),
            [&core](const api::Request& req) { return core.router.dispatch(req); }) {
    feed.add_routes(core.router);
    server.set_stream_route([this](const api::Request& req) { return feed.route(req); });
    REQUIRE(server.start().is_ok());
    thread = std::thread([this] { server.run(); });
  }
  ~LiveServer() {
    server.stop();
    thread.join();
  }
  std::unique_ptr<SseClient> live(std::string_view target, const Headers& headers = {}) {
    return std::make_unique<SseClient>("127.0.0.1", server.port(), target, headers);
  }

  api::LiveFeed feed;
  api::Server server;
  std::thread thread;
};

TEST_CASE("an idle live feed sends a comment every heartbeat interval") {
  Core c;
  api::LiveFeedOptions o;
  o.heartbeat = 150ms;
  LiveServer s(c, o);
  auto sse = s.live("/v1/events/live");
  REQUIRE(sse->status() == 200);
  CHECK(sse->header("content-type") == "text/event-stream");
  const std::size_t greeting = sse->comments();
  CHECK(sse->wait_comment(3s));
  CHECK(sse->wait_comment(3s));
  CHECK(sse->comments() >= greeting + 2);
  CHECK(sse->events().empty());
  CHECK(s.feed.subscribers() == 1);
}

TEST_CASE("a live client resumes from Last-Event-ID across the window and the log") {
  Core c;
  api::LiveFeedOptions o;
  o.window_events = 8;  // most of the history is behind the window: read from the log
  o.batch_bytes = 512;  // many small batches
  LiveServer s(c, o);
  c.append("kanye-west", {{"type", "celebrity_registered"}, {"data", {{"name", "Kanye West"}}}});
  std::vector<std::int64_t> seen;
  std::string last_id = "0";
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 20; ++i) {
      c.append("kanye-west",
               {{"type", "album_released"},
                {"occurred", "2001"},
                {"data", {{"title", "R" + std::to_string(round) + "-" + std::to_string(i)}}}});
    }
    auto sse = s.live("/v1/events/live?after=0", {{"Last-Event-ID", last_id}});
    REQUIRE(sse->status() == 200);
    // Read part of what is there, then drop the connection.
    const std::size_t want = 13;
    auto& events = sse->read_events(want, 5s);
    REQUIRE(events.size() >= want);
    for (std::size_t i = 0; i < want; ++i) seen.push_back(std::stoll(events[i].id));
    last_id = events[want - 1].id;
  }
  auto sse = s.live("/v1/events/live", {{"Last-Event-ID", last_id}});
  const std::int64_t head = c.log->head();
  auto& rest = sse->read_events(static_cast<std::size_t>(head - std::stoll(last_id)), 5s);
  for (const auto& e : rest) seen.push_back(std::stoll(e.id));
  REQUIRE(static_cast<std::int64_t>(seen.size()) == head);
  for (std::int64_t i = 0; i < head; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i + 1);
}

TEST_CASE("as-of reads waiting for a fold slot get the same answers as one at a time") {
  Core c;
  c.append("ann", {{"type", "celebrity_registered"}, {"data", {{"name", "Ann"}}}});
  for (int i = 0; i < 30; ++i) {
    c.append("ann", {{"type", "album_released"},
                     {"occurred", std::to_string(1990 + i)},
                     {"data", {{"title", "A" + std::to_string(i)}}}});
  }
  auto target = [](int p) {
    return "/v1/celebrities/ann/timeline?as_of_position=" + std::to_string(p);
  };
  std::map<int, std::string> alone;
  for (int p = 2; p <= 31; ++p) alone[p] = c.call(http::verb::get, target(p)).body();
  // One slot for eight threads: every fold waits its turn, none is lost.
  std::counting_semaphore<> one(1);
  c.services->as_of_folds = &one;
  c.services->bodies = nullptr;
  std::vector<std::thread> readers;
  std::atomic<int> same{0};
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&, t] {
      for (int p = 2 + t; p <= 31; p += 8) {
        auto r = c.call(http::verb::get, target(p));
        if (r.result_int() == 200 && r.body() == alone.at(p)) ++same;
      }
    });
  }
  for (auto& r : readers) r.join();
  CHECK(same == 30);
  // And the slot is free again.
  CHECK(one.try_acquire());
}

}  // namespace
}  // namespace starlog::test
