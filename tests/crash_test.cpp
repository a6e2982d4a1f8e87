// Crash safety: concurrent appends, SIGKILL mid-load, restart. Every
// acknowledged event must be in the log where it was acknowledged, the log
// must be gap-free with a verifying hash chain, and the projection must catch
// up with every fact exactly once. Several kill moments; nothing asserts on
// timing, every loop is bounded.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "domain/uuid.h"
#include "tests/support/log_check.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

constexpr int kWriters = 4;
constexpr int kMaxRequestsPerWriter = 400;

struct Acked {
  std::string stream;
  std::int64_t version = 0;
  std::int64_t position = 0;
};

std::string stream_name(int i) { return "crash-" + std::to_string(i); }

Json song(const std::string& id, int n) {
  std::string title = "Song ";
  title += std::to_string(n);
  return {{"id", id},
          {"type", "song_released"},
          {"occurred", "2021-08-29"},
          {"data", {{"title", title}}},
          {"sources", {{{"url", "https://example.com/"}, {"publisher", "Example"}}}}};
}

// Appends batches of 1-3 songs to its own stream until told to stop, the
// server goes away, or kMaxRequestsPerWriter; records what was acknowledged.
void writer(const ServerProcess& server, int index, std::atomic<bool>& stop,
            std::mutex& mu, std::map<std::string, Acked>& acked, std::atomic<int>& acks) {
  HttpClient client = server.client();
  const std::string target = "/v1/celebrities/" + stream_name(index) + "/events";
  for (int i = 0; i < kMaxRequestsPerWriter && !stop; ++i) {
    Json batch = Json::array();
    const int size = 1 + (i + index) % 3;
    for (int k = 0; k < size; ++k) batch.push_back(song(domain::make_uuid_v7(), i * 3 + k));
    HttpResult r;
    try {
      r = client.post_json(target, size == 1 ? batch[0] : batch, write_headers(server));
    } catch (const std::exception&) {
      return;  // the server was killed under us: this request is unacknowledged
    }
    if (r.status != 201) return;
    const Json body = r.json();
    std::lock_guard lock(mu);
    for (const Json& e : body.at("events")) {
      acked[e.at("id").get<std::string>()] = {stream_name(index), e.at("version").get<std::int64_t>(),
                                               e.at("position").get<std::int64_t>()};
    }
    acks += size;
  }
}

void crash_and_check(int kill_after_acks) {
  CAPTURE(kill_after_acks);
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"));
  {
    HttpClient c = server.client();
    for (int i = 0; i < kWriters; ++i) {
      const Json reg = {{"type", "celebrity_registered"},
                        {"data", {{"name", "Crash Test " + std::to_string(i)}}}};
      REQUIRE(c.post_json("/v1/celebrities/" + stream_name(i) + "/events", reg, write_headers(server))
                  .status == 201);
    }
  }

  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::mutex mu;
  std::map<std::string, Acked> acked;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] { writer(server, i, stop, mu, acked, acks); });
  }
  // Kill once enough appends are acknowledged (bounded: 60 s at most, and the
  // writers stop by themselves after kMaxRequestsPerWriter).
  for (int i = 0; i < 6000 && acks < kill_after_acks; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.kill9();
  stop = true;
  for (auto& t : threads) t.join();
  REQUIRE(acks >= 1);

  server.restart();
  HttpClient c = server.client();
  const std::vector<domain::Event> log = read_log(c);

  // Every acknowledged event is there, where it was acknowledged.
  std::map<std::string, const domain::Event*> by_id;
  for (const auto& e : log) by_id[e.id] = &e;
  int missing = 0;
  for (const auto& [id, a] : acked) {
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      ++missing;
      continue;
    }
    CHECK(it->second->stream == a.stream);
    CHECK(it->second->version == a.version);
    CHECK(it->second->position == a.position);
  }
  CHECK(missing == 0);

  MESSAGE("killed after " << acked.size() << " acknowledged events; the log holds "
                          << log.size() << " (" << kWriters << " registrations)");
  // Gap-free positions and versions, and a chain that verifies.
  CHECK(log_problem(log) == "");

  // The projection catches up, and holds every fact exactly once.
  REQUIRE(wait_ready(c));
  std::map<std::string, std::set<std::string>> facts;
  for (const auto& e : log) {
    if (e.type == "song_released") facts[e.stream].insert(e.id);
  }
  for (int i = 0; i < kWriters; ++i) {
    const std::string stream = stream_name(i);
    const Json profile = c.get("/v1/celebrities/" + stream).json();
    CHECK(profile.at("fact_count") == facts[stream].size());
    std::set<std::string> seen;
    std::size_t entries = 0;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      std::string target = "/v1/celebrities/" + stream + "/timeline?limit=500";
      if (!cursor.empty()) target += "&cursor=" + cursor;
      const Json doc = c.get(target).json();
      for (const Json& entry : doc.at("entries")) {
        ++entries;
        seen.insert(entry.at("fact_id").get<std::string>());
      }
      if (doc.at("next_cursor").is_null()) break;
      cursor = doc.at("next_cursor").get<std::string>();
    }
    CHECK(entries == facts[stream].size());  // nothing applied twice
    CHECK(seen == facts[stream]);            // nothing skipped
  }

  // And the restarted server takes appends again, continuing the chain.
  const Json more = song(domain::make_uuid_v7(), 100000);
  REQUIRE(c.post_json("/v1/celebrities/" + stream_name(0) + "/events", more, write_headers(server))
              .status == 201);
  CHECK(log_problem(read_log(c)) == "");
}

TEST_CASE("acknowledged appends survive SIGKILL; the chain verifies; projections catch up once") {
  // Different kill moments: at the first acknowledgements, and later under
  // steady load with the projection committing pages behind the appends.
  for (const int kill_after : {1, 20, 90, 250}) crash_and_check(kill_after);
}

}  // namespace
}  // namespace starlog::test
