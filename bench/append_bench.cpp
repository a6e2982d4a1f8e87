// starlog_bench: what the hash chain and the audit indexes cost an append.
//
//   build/starlog_bench [EVENTS] [DIR]     (defaults: 2000, /tmp)
//
// In one run, on the same machine and disk, it appends the same events to
// two fresh stores: a plain one ("baseline": the audit trigger and index
// dropped) and a full one, alternating rounds so that disk and CPU noise
// fall on both alike; then it times the hash chain's own work (content
// digest + chain hash) for the same events with no storage at all. Appends
// are measured one event per commit (fsync each, the API's common case) and
// in batches of 100.
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

Store open_store(const std::string& path, domain::Clock& clock, bool baseline) {
  std::filesystem::remove(path);
  Store s;
  s.db = store::SqliteDatabase::open(path).value();
  if (baseline) {
    auto w = s.db->writer();
    if (!w->exec("DROP TRIGGER events_fact_participants; DROP INDEX events_recorded_at"))
      std::abort();
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

  std::printf("%d events per configuration (album_released, 1 participant, 1 source)\n", events);
  std::printf("%-34s %14s %14s %10s\n", "", "baseline us/ev", "full us/ev", "delta");
  for (int batch : {1, 100}) {
    Store plain = open_store(base + "-plain.db", clock, true);
    Store full = open_store(base + "-full.db", clock, false);
    const int round = std::max(batch, 100);
    for (int done = 0; done < events; done += round) {
      append_round(plain, round, batch);
      append_round(full, round, batch);
    }
    const double a = us_per_event(plain), b = us_per_event(full);
    std::printf("append, %3d event(s) per commit    %14.1f %14.1f %+9.1f%%\n", batch, a, b,
                (b - a) * 100 / a);
    for (const auto& s : {&plain, &full}) {
      s->log.reset();
      s->db.reset();
    }
    for (const char* suffix : {"-plain.db", "-full.db"})
      for (const char* extra : {"", "-wal", "-shm"}) std::filesystem::remove(base + suffix + extra);
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
  std::printf("hash chain alone (no storage)      %14s %14.1f\n", "", hash_us);
  return 0;
}
