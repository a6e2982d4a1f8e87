// starlog_bench: what the hash chain and the audit indexes cost an append.
//
//   build/starlog_bench [EVENTS] [DIR]     (defaults: 2000, /tmp)
//
// In one run, on the same machine and disk, it appends the same events to
// fresh stores with and without the audit index objects (the baseline has
// neither the fact_participants trigger nor the events_recorded_at index),
// alternating rounds so that disk and CPU noise fall on all alike; then it
// times the hash chain's own work (content digest + chain hash) for the same
// events with no storage at all. Appends are measured one event per commit
// (fsync each, the API's common case) and in batches of 100.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/hash_chain.h"
#include "store/sqlite_event_store.h"

using namespace starlog;
using Clock = std::chrono::steady_clock;

namespace {

domain::NewEvent make_event(int n) {
  domain::NewEvent e;
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
  e.id = id;
  e.type = "album_released";
  e.occurred = "2021-08-29";
  std::string title = "Donda ";
  title += std::to_string(n);
  e.data = {{"title", title},
            {"label", "GOOD Music"},
            {"tracks", {"Donda Chant", "Jail", "God Breathed", "Off the Grid", "Hurricane"}}};
  e.participants = Json::array({{{"celebrity", "jay-z"}, {"role", "featured artist"}}});
  e.sources = Json::array({{{"url", "https://www.thesun.co.uk/"},
                            {"publisher", "The Sun"},
                            {"quote", "His new album, named after his late mother"}}});
  return e;
}

struct Store {
  std::shared_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteEventStore> log;
  int next = 1;
  double seconds = 0;
  std::int64_t events = 0;
};

// `drop`: audit objects dropped after opening, to measure without them.
Store open_store(const std::string& path, domain::Clock& clock, const std::string& drop) {
  std::filesystem::remove(path);
  Store s;
  s.db = store::SqliteDatabase::open(path).value();
  if (!drop.empty()) {
    auto w = s.db->writer();
    if (!w->exec(drop)) std::abort();
  }
  s.log = store::SqliteEventStore::open(s.db, clock).value();
  for (const char* who : {"kanye-west", "jay-z"}) {
    domain::NewEvent r;
    r.id = who[0] == 'k' ? "00000000-0000-4000-9000-000000000001"
                         : "00000000-0000-4000-9000-000000000002";
    r.type = "celebrity_registered";
    r.data = {{"name", who}};
    if (!s.log->append({who, store::Expected::any(), {r}, false, "bench"}).ok()) std::abort();
  }
  return s;
}

void append_round(Store& s, int count, int batch) {
  const auto t0 = Clock::now();
  for (int i = 0; i < count; i += batch) {
    store::AppendRequest req{"kanye-west", store::Expected::any(), {}, batch > 1, "bench"};
    for (int k = 0; k < batch; ++k) req.events.push_back(make_event(s.next++));
    if (!s.log->append(req).ok()) std::abort();
  }
  s.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  s.events += count;
}

double us_per_event(const Store& s) { return s.seconds * 1e6 / static_cast<double>(s.events); }

}  // namespace

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::max(100, std::atoi(argv[1])) : 2000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  domain::SystemClock clock;
  const std::string base = dir + "/starlog-bench-" + std::to_string(getpid());

  struct Config {
    const char* name;
    const char* drop;
  };
  const Config configs[] = {
      {"baseline (no audit index)",
       "DROP TRIGGER events_fact_participants; DROP INDEX events_recorded_at"},
      {"+ events_recorded_at", "DROP TRIGGER events_fact_participants"},
      {"+ fact_participants trigger", "DROP INDEX events_recorded_at"},
      {"full (as shipped)", ""},
  };
  std::printf(
      "%d events per configuration (album_released, 1 participant, 1 source); us per event\n",
      events);
  double full_us[2] = {0, 0};
  for (int b = 0; b < 2; ++b) {
    const int batch = b == 0 ? 1 : 100;
    std::vector<Store> stores;
    for (std::size_t i = 0; i < std::size(configs); ++i)
      stores.push_back(open_store(base + "-" + std::to_string(i) + ".db", clock, configs[i].drop));
    // Rounds alternate between the stores, so disk and CPU noise falls on all.
    const int round = std::max(batch, 100);
    for (int done = 0; done < events; done += round)
      for (auto& s : stores) append_round(s, round, batch);
    std::printf("\nappend, %d event(s) per commit\n", batch);
    const double baseline = us_per_event(stores[0]);
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const double us = us_per_event(stores[i]);
      std::printf("  %-30s %8.1f  %+6.1f%%\n", configs[i].name, us,
                  (us - baseline) * 100 / baseline);
    }
    full_us[b] = us_per_event(stores.back());
    for (auto& s : stores) {
      s.log.reset();
      s.db.reset();
    }
    for (std::size_t i = 0; i < std::size(configs); ++i)
      for (const char* extra : {"", "-wal", "-shm"})
        std::filesystem::remove(base + "-" + std::to_string(i) + ".db" + extra);
  }

  // The chain's own work, with no storage: what every append pays for the
  // hash (content digest + header digest), on the same events.
  std::vector<domain::Event> stored;
  for (int i = 0; i < events; ++i) {
    const auto n = make_event(i);
    domain::Event e;
    e.id = n.id;
    e.stream = "kanye-west";
    e.version = i + 1;
    e.position = i + 1;
    e.type = n.type;
    e.occurred = n.occurred;
    e.data = n.data;
    e.participants = n.participants;
    e.sources = n.sources;
    e.recorded_at = clock.now();
    e.recorded_by = "bench";
    stored.push_back(std::move(e));
  }
  std::string previous = domain::genesis_hash();
  const auto t0 = Clock::now();
  for (auto& e : stored) {
    const std::string digest = domain::content_digest(e);
    e.hash = domain::chain_hash(previous, e, digest);
    previous = e.hash;
  }
  const double hash_us =
      std::chrono::duration<double>(Clock::now() - t0).count() * 1e6 / static_cast<double>(events);
  std::printf(
      "\nhash chain alone (content digest + chain hash, no storage): %.1f us per event\n"
      "  = %.1f%% of a 1-event append, %.1f%% of a batched one (both are inside the\n"
      "  append times above, in every configuration)\n",
      hash_us, hash_us * 100 / full_us[0], hash_us * 100 / full_us[1]);
  return 0;
}
