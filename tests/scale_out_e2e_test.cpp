// Scale-out end to end: two real `starlog serve` nodes on one throwaway
// PostgreSQL cluster, behind nginx as a round-robin load balancer running
// docs/nginx.conf (the documented config). Concurrent appends through both,
// an If-Match race across nodes, a retry on the other node, read-your-writes
// and the live feed across nodes, a revocation, kill -9 of a node under
// load, then `starlog verify`. Every wait is bounded.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "domain/uuid.h"
#include "store/pg_test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/cli.h"
#include "tests/support/command.h"
#include "tests/support/sse_client.h"

namespace starlog::test {
namespace {

using namespace std::chrono_literals;

Json registration(const std::string& name) {
  return {{"type", "celebrity_registered"},
          {"data", {{"name", name}}},
          {"sources", {{{"url", "https://example.com/registry"}}}}};
}

Json podcast(const std::string& id, int n) {
  return {{"id", id},
          {"type", "podcast_appeared"},
          {"occurred", "2024-01-02"},
          {"data", {{"podcast", cat("Episode ", std::to_string(n))}}},
          {"sources", {{{"url", "https://example.com/episodes"}}}}};
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// nginx running docs/nginx.conf with the nodes' ports, listening on a free
// port, its files in a temporary directory.
class LoadBalancer {
 public:
  LoadBalancer(const TempDir& dir, unsigned short node1, unsigned short node2)
      : port_(ServerProcess::free_port()) {
    std::string conf = read_file(cat(STARLOG_SOURCE_DIR, "/docs/nginx.conf"));
    REQUIRE(conf.find("127.0.0.1:8081") != std::string::npos);
    conf = replace_all(conf, "/var/lib/starlog-nginx", dir.path().string());
    conf = replace_all(conf, "127.0.0.1:8081", cat("127.0.0.1:", std::to_string(node1)));
    conf = replace_all(conf, "127.0.0.1:8082", cat("127.0.0.1:", std::to_string(node2)));
    conf = replace_all(conf, "127.0.0.1:8080", cat("127.0.0.1:", std::to_string(port_)));
    const std::string path = dir.file("nginx.conf");
    write_file(path, conf);
    nginx_.emplace(std::vector<std::string>{"/usr/sbin/nginx", "-c", path, "-p",
                                            dir.path().string(), "-g", "daemon off;"},
                   dir.file("nginx.out"));
    for (int i = 0; i < 200; ++i) {
      try {
        if (client().get("/healthz").status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL("nginx did not answer /healthz: " << read_file(dir.file("error.log")));
  }
  HttpClient client() const { return HttpClient("127.0.0.1", port_); }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_;
  std::optional<ChildProcess> nginx_;
};

std::int64_t head_of(HttpClient& c) {
  auto r = c.get("/v1/events?after=0&limit=1");
  REQUIRE(r.status == 200);
  return r.json().at("head").get<std::int64_t>();
}

// Every event id of the log, read through `c`, in position order; checks
// that positions are 1..N without a gap.
std::vector<std::string> log_ids(HttpClient& c) {
  std::vector<std::string> ids;
  std::int64_t after = 0;
  for (int page = 0; page < 1000; ++page) {
    auto r = c.get(cat("/v1/events?after=", std::to_string(after), "&limit=500"));
    REQUIRE(r.status == 200);
    const Json body = r.json();
    if (body.at("events").empty()) break;
    for (const auto& e : body.at("events")) {
      CHECK(e.at("position").get<std::int64_t>() == after + 1);
      after = e.at("position").get<std::int64_t>();
      ids.push_back(e.at("id").get<std::string>());
    }
  }
  return ids;
}

bool timeline_has(HttpClient& c, const std::string& celebrity, const std::string& fact_id) {
  auto r = c.get(cat("/v1/celebrities/", celebrity, "/timeline?limit=500"));
  REQUIRE(r.status == 200);
  const Json body = r.json();
  for (const auto& e : body.at("entries"))
    if (e.at("fact_id") == fact_id) return true;
  return false;
}

TEST_CASE("two nodes on one PostgreSQL database behind nginx serve as one store") {
  TempDir dir;
  const std::string db = store::testing::PgTestCluster::instance().fresh_database();
  const std::string editor = create_token(db, "alice", "editor");
  const Headers auth = bearer(editor);

  ServerProcess a(db);
  ServerProcess b(db);
  LoadBalancer lb(dir, a.port(), b.port());
  HttpClient ca = a.client(), cb = b.client(), cl = lb.client();

  REQUIRE(cl.post_json("/v1/celebrities/nova/events", registration("Nova"), auth).status == 201);
  REQUIRE(cl.post_json("/v1/celebrities/orion/events", registration("Orion"), auth).status == 201);

  SUBCASE("concurrent appends through both nodes and the balancer: gap-free, none lost") {
    // The live feed through nginx, opened before the appends.
    SseClient live("127.0.0.1", lb.port(), "/v1/events/live?after=2");
    REQUIRE(live.status() == 200);
    std::mutex mu;
    std::set<std::string> acknowledged;
    std::atomic<int> failures{0};
    auto writer = [&](unsigned short port, const std::string& celebrity) {
      HttpClient c("127.0.0.1", port);
      for (int i = 0; i < 40; ++i) {
        const std::string id = domain::make_uuid_v7();
        auto r = c.post_json(cat("/v1/celebrities/", celebrity, "/events"), podcast(id, i), auth);
        if (r.status != 201) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        acknowledged.insert(id);
      }
    };
    std::thread t1(writer, a.port(), "nova");
    std::thread t2(writer, b.port(), "nova");
    std::thread t3(writer, lb.port(), "orion");
    t1.join();
    t2.join();
    t3.join();
    CHECK(failures == 0);
    REQUIRE(acknowledged.size() == 120);
    // Every node sees the same gap-free log holding every acknowledged id.
    const auto ids_a = log_ids(ca);
    const auto ids_b = log_ids(cb);
    CHECK(ids_a == ids_b);
    CHECK(ids_a.size() == 122);
    for (const auto& id : acknowledged)
      CHECK(std::find(ids_a.begin(), ids_a.end(), id) != ids_a.end());
    // Both streams' versions are gap-free too.
    auto stream = ca.get("/v1/celebrities/nova/events?limit=500");
    REQUIRE(stream.status == 200);
    const Json nova = stream.json();
    std::int64_t v = 0;
    for (const auto& e : nova.at("events")) CHECK(e.at("version").get<std::int64_t>() == ++v);
    CHECK(v == 81);
    // The live feed through nginx carried every append, in log order.
    const auto& frames = live.read_events(120, 20s);
    REQUIRE(frames.size() >= 120);
    for (std::size_t i = 0; i < 120; ++i) CHECK(frames[i].id == std::to_string(i + 3));
  }

  SUBCASE("an If-Match race across the nodes: exactly one wins, the other gets 412") {
    const auto version = cl.get("/v1/celebrities/nova").json().at("version").get<std::int64_t>();
    const Headers if_match = {{"Authorization", auth.at("Authorization")},
                              {"If-Match", cat("\"", std::to_string(version), "\"")}};
    std::atomic<int> won{0}, refused{0};
    auto racer = [&](unsigned short port) {
      HttpClient c("127.0.0.1", port);
      auto r =
          c.post_json("/v1/celebrities/nova/events", podcast(domain::make_uuid_v7(), 1), if_match);
      if (r.status == 201) ++won;
      if (r.status == 412) ++refused;
    };
    std::thread t1(racer, a.port());
    std::thread t2(racer, b.port());
    t1.join();
    t2.join();
    CHECK(won == 1);
    CHECK(refused == 1);
  }

  SUBCASE("a retry on the other node is answered with the original position") {
    const std::string id = domain::make_uuid_v7();
    auto first = ca.post_json("/v1/celebrities/nova/events", podcast(id, 7), auth);
    REQUIRE(first.status == 201);
    auto again = cb.post_json("/v1/celebrities/nova/events", podcast(id, 7), auth);
    CHECK(again.status == 200);
    CHECK(again.json().at("events") == first.json().at("events"));
    // The same id with other content is refused on either node.
    auto other = cb.post_json("/v1/celebrities/nova/events", podcast(id, 8), auth);
    CHECK(other.status == 409);
  }

  SUBCASE("a write acknowledged by one node is read at once on the other") {
    for (int i = 0; i < 20; ++i) {
      const std::string id = domain::make_uuid_v7();
      HttpClient& writer = i % 2 ? ca : cb;
      HttpClient& reader = i % 2 ? cb : ca;
      auto r = writer.post_json("/v1/celebrities/orion/events", podcast(id, i), auth);
      REQUIRE(r.status == 201);
      // The fact's id is the recording event's id.
      CHECK(timeline_has(reader, "orion", id));
      CHECK(reader.get(cat("/v1/facts/", id)).status == 200);
    }
    CHECK(head_of(ca) == head_of(cb));
  }

  SUBCASE("a takedown through one node is forgotten by the other's caches and feed") {
    const std::string admin = create_token(db, "legal", "admin");
    const std::string fact = domain::make_uuid_v7();
    Json secret = podcast(fact, 1);
    secret["data"]["podcast"] = "the-private-marker";
    REQUIRE(ca.post_json("/v1/celebrities/nova/events", secret, auth).status == 201);
    const std::string as_of =
        cat("/v1/celebrities/nova/timeline?as_of_position=", std::to_string(head_of(cb)));
    // Node B holds the fact in its as-of history, its body cache (the
    // as-of answer's tag is strong for good) and its feed's recent frames.
    auto before = cb.get(as_of, bearer(admin));
    REQUIRE(before.status == 200);
    REQUIRE(before.body.find("the-private-marker") != std::string::npos);
    REQUIRE(cb.get(as_of, bearer(admin)).body == before.body);
    {
      SseClient feed("127.0.0.1", b.port(), "/v1/events/live?after=0");
      const auto& frames = feed.read_events(3, 10s);
      REQUIRE(frames.size() == 3);
      REQUIRE(frames[2].data.find("the-private-marker") != std::string::npos);
    }
    // The takedown, through node A.
    auto done = ca.post_json(
        "/v1/celebrities/nova/events",
        {{"type", "content_taken_down"}, {"data", {{"fact_id", fact}, {"reason", "court order"}}}},
        bearer(admin));
    REQUIRE_MESSAGE(done.status == 201, done.body);
    // B forgets it once its fold is past the takedown (bounded wait).
    std::string after;
    for (int i = 0; i < 200; ++i) {
      after = cb.get(as_of, bearer(admin)).body;
      if (after.find("the-private-marker") == std::string::npos) break;
      std::this_thread::sleep_for(50ms);
    }
    CHECK(after.find("the-private-marker") == std::string::npos);
    CHECK(cb.get(cat("/v1/facts/", fact)).status == 410);
    SseClient feed("127.0.0.1", b.port(), "/v1/events/live?after=0");
    const auto& frames = feed.read_events(4, 10s);
    REQUIRE(frames.size() == 4);
    for (const auto& f : frames) CHECK(f.data.find("the-private-marker") == std::string::npos);
  }

  SUBCASE("a token revoked through the command line stops working on every node") {
    const std::string secret = create_token(db, "bob", "editor");
    CHECK(ca.post_json("/v1/celebrities/nova/events", podcast(domain::make_uuid_v7(), 1),
                       bearer(secret))
              .status == 201);
    CHECK(cb.post_json("/v1/celebrities/nova/events", podcast(domain::make_uuid_v7(), 2),
                       bearer(secret))
              .status == 201);
    REQUIRE(run_starlog({"token", "revoke", "bob", "--db", db}).exit_code == 0);
    for (HttpClient* c : {&ca, &cb, &cl}) {
      auto r = c->post_json("/v1/celebrities/nova/events", podcast(domain::make_uuid_v7(), 3),
                            bearer(secret));
      CHECK(r.status == 401);
      CHECK(r.body.find("revoked") != std::string::npos);
    }
  }

  SUBCASE("kill -9 of a node under load: nothing acknowledged is lost, the other serves on") {
    std::mutex mu;
    std::vector<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::atomic<int> answered_by_b{0};
    // Appends alternate between the nodes; a failed one (the killed node)
    // is resent, with the same id, to the other node.
    std::thread load([&] {
      HttpClient wa("127.0.0.1", a.port(), 2s), wb("127.0.0.1", b.port(), 2s);
      for (int i = 0; i < 2000 && !stop; ++i) {
        const std::string id = domain::make_uuid_v7();
        const Json body = podcast(id, i);
        int status = 0;
        if (i % 2 == 0) {
          try {
            status = wa.post_json("/v1/celebrities/nova/events", body, auth).status;
          } catch (const std::exception&) {
            status = 0;
          }
        }
        if (status != 201 && status != 200) {
          status = wb.post_json("/v1/celebrities/nova/events", body, auth).status;
          if (status == 201 || status == 200) ++answered_by_b;
        }
        if (status == 201 || status == 200) {
          std::lock_guard lock(mu);
          acknowledged.push_back(id);
        }
      }
    });
    auto count = [&] {
      std::lock_guard lock(mu);
      return acknowledged.size();
    };
    for (int i = 0; i < 400 && count() < 100; ++i) std::this_thread::sleep_for(10ms);
    a.kill9();
    const std::size_t at_kill = count();
    for (int i = 0; i < 400 && count() < at_kill + 100; ++i) std::this_thread::sleep_for(10ms);
    // The balancer keeps answering reads from the surviving node.
    for (int i = 0; i < 10; ++i) CHECK(cl.get("/v1/celebrities/nova").status == 200);
    a.restart();
    const std::size_t at_restart = count();
    for (int i = 0; i < 400 && count() < at_restart + 50; ++i) std::this_thread::sleep_for(10ms);
    stop = true;
    load.join();
    CHECK(count() > at_kill + 50);
    CHECK(answered_by_b > 50);
    // The restarted node has caught up: it holds every acknowledged event.
    HttpClient fresh = a.client();
    const auto ids = log_ids(fresh);
    std::set<std::string> stored(ids.begin(), ids.end());
    CHECK(stored.size() == ids.size());
    std::size_t lost = 0;
    for (const auto& id : acknowledged) lost += stored.count(id) == 0;
    CHECK(lost == 0);
    auto ready = fresh.get("/readyz");
    CHECK(ready.status == 200);
  }

  // Whatever the subcase did, the chain of the shared log verifies and a
  // replay matches every node's projection.
  const Headers auditor = bearer(create_token(db, "carol", "auditor"));
  for (HttpClient* c : {&ca, &cb}) {
    auto r = c->get("/v1/audit/verify", auditor);
    REQUIRE(r.status == 200);
    const Json report = r.json();
    CHECK(report.at("verified") == true);
    CHECK(report.at("projections").at(0).at("position") == report.at("events"));
  }
  a.stop();
  b.stop();
  const auto verify = run_starlog({"verify", "--db", db});
  CHECK_MESSAGE(verify.exit_code == 0, verify.out << verify.err);
}

TEST_CASE("a node whose database goes away answers 503 and recovers on its own") {
  store::testing::PgTestCluster& cluster = store::testing::PgTestCluster::instance();
  const std::string db = cluster.fresh_database();
  const std::string editor = create_token(db, "alice", "editor");
  ServerProcess node(db);
  HttpClient c = node.client();
  REQUIRE(c.post_json("/v1/celebrities/nova/events", registration("Nova"), bearer(editor)).status ==
          201);
  // Cut the node off its database: end its sessions and refuse new ones.
  const std::string name = db.substr(db.find(":///") + 4, db.find('?') - db.find(":///") - 4);
  auto admin = store::PgConnection::open(cluster.uri("postgres"));
  REQUIRE(admin.ok());
  REQUIRE((*admin)->run(cat("ALTER DATABASE ", name, " ALLOW_CONNECTIONS false")).is_ok());
  REQUIRE((*admin)
              ->run(cat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '",
                        name, "'"))
              .is_ok());
  const std::string id = domain::make_uuid_v7();
  auto down = c.post_json("/v1/celebrities/nova/events", podcast(id, 1), bearer(editor));
  CHECK(down.status == 503);
  CHECK(down.json().at("type") == "https://starlog.dev/problems/store-unavailable");
  CHECK(down.header("Retry-After") == "1");
  auto ready = c.get("/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.json().at("status") == "store_unavailable");
  CHECK(ready.json().at("store").at("reachable") == false);
  // Reads keep being served from the node's read models meanwhile.
  CHECK(c.get("/v1/celebrities/nova").status == 200);

  REQUIRE((*admin)->run(cat("ALTER DATABASE ", name, " ALLOW_CONNECTIONS true")).is_ok());
  // Back on its own: the same request (same id) is stored once.
  int status = 0;
  for (int i = 0; i < 100 && status != 201; ++i) {
    status = c.post_json("/v1/celebrities/nova/events", podcast(id, 1), bearer(editor)).status;
    if (status != 201) std::this_thread::sleep_for(50ms);
  }
  CHECK(status == 201);
  CHECK(c.post_json("/v1/celebrities/nova/events", podcast(id, 1), bearer(editor)).status == 200);
  int ready_status = 0;
  for (int i = 0; i < 100 && ready_status != 200; ++i) {
    ready_status = c.get("/readyz").status;
    if (ready_status != 200) std::this_thread::sleep_for(50ms);
  }
  CHECK(ready_status == 200);
}

TEST_CASE(
    "export | import --restore moves a store from SQLite to PostgreSQL and back, chain intact") {
  TempDir dir;
  const std::string from = dir.file("from.db"), back = dir.file("back.db");
  const std::string pg = store::testing::PgTestCluster::instance().fresh_database();
  const std::string bin = shell_quote(ServerProcess::binary());
  // The demo data and a takedown-free correction history, in a SQLite file.
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"}) {
    auto r =
        run_starlog(dir, cat("import --db ", shell_quote(from), " ",
                             shell_quote(cat(STARLOG_SOURCE_DIR, "/data/demo/", f, ".ndjson"))));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  auto there = run_shell(dir, cat(bin, " export --db ", shell_quote(from), " | ", bin,
                                  " import --restore - --db ", shell_quote(pg)));
  REQUIRE_MESSAGE(there.exit_code == 0, there.err);
  CHECK(there.err.find("22 events appended") != std::string::npos);
  auto home = run_shell(dir, cat(bin, " export --db ", shell_quote(pg), " | ", bin,
                                 " import --restore - --db ", shell_quote(back)));
  REQUIRE_MESSAGE(home.exit_code == 0, home.err);
  // The same envelopes, byte for byte (positions, times, hashes), in all three.
  const auto a = run_starlog(dir, cat("export --db ", shell_quote(from)));
  const auto b = run_starlog(dir, cat("export --db ", shell_quote(pg)));
  const auto c = run_starlog(dir, cat("export --db ", shell_quote(back)));
  REQUIRE(a.exit_code == 0);
  CHECK(std::count(a.out.begin(), a.out.end(), '\n') == 22);
  CHECK(a.out == b.out);
  CHECK(a.out == c.out);
  // Restoring again is a no-op; a node on the migrated database serves it.
  auto twice = run_shell(dir, cat(bin, " export --db ", shell_quote(from), " | ", bin,
                                  " import --restore - --db ", shell_quote(pg)));
  CHECK(twice.exit_code == 0);
  CHECK(twice.err.find("0 events appended, 22 already stored") != std::string::npos);
  for (const std::string& db : {pg, back}) {
    auto v = run_starlog(dir, cat("verify --db ", shell_quote(db)));
    CHECK_MESSAGE(v.exit_code == 0, v.err);
    CHECK(v.err.find("22 events, chain ok") != std::string::npos);
  }
  // A pg_dump backup, restored into an empty database as docs/operations.md
  // says, holds the same chain.
  const std::string copy = store::testing::PgTestCluster::instance().fresh_database();
  auto dump = run_shell(
      dir, cat("pg_dump -Fc -d ", shell_quote(pg), " -f ", shell_quote(dir.file("starlog.dump")),
               " && pg_restore "
               "--disable-triggers -d ",
               shell_quote(copy), " ", shell_quote(dir.file("starlog.dump"))));
  REQUIRE_MESSAGE(dump.exit_code == 0, dump.err);
  const auto d = run_starlog(dir, cat("export --db ", shell_quote(copy)));
  CHECK(a.out == d.out);
  auto restored = run_starlog(dir, cat("verify --db ", shell_quote(copy)));
  CHECK_MESSAGE(restored.exit_code == 0, restored.err);
  ServerProcess node(pg);
  HttpClient client = node.client();
  auto kanye = client.get("/v1/celebrities/kanye-west/timeline");
  CHECK(kanye.status == 200);
  CHECK(head_of(client) == 22);
}

}  // namespace
}  // namespace starlog::test
