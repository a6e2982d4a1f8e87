// Backend: the storage one process works on, chosen by the --db argument,
// behind the store interfaces only. app/ opens a Backend and never names an
// engine type; everything engine-specific (files, read-model placement,
// size quotas, engine gauges for /metrics) is decided here.
//
//   --db FILE                 SQLite: the log and tokens in FILE, the read
//                             models in FILE.projections beside it. One
//                             process serves it.
//   --db postgresql://…       PostgreSQL (also postgres://): the log and the
//                             tokens in the database, shared by any number
//                             of nodes; each node keeps its read models in
//                             memory and folds them from the log at start
//                             (a node is stateless: nothing it keeps is
//                             needed to recover).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "store/event_store.h"
#include "store/projection_store.h"
#include "store/token_store.h"

namespace starlog::store {

// One engine figure for /metrics: a gauge read when it is scraped.
struct BackendGauge {
  std::string name;
  std::string help;
  std::function<double()> read;
};

// One engine histogram for /metrics (cumulative counts per upper bound, as
// Prometheus has them), read when it is scraped.
struct BackendHistogram {
  struct Snapshot {
    std::vector<double> bounds;         // upper bounds; +Inf is implied
    std::vector<std::uint64_t> counts;  // cumulative, one per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::string name;
  std::string help;
  std::function<Snapshot()> read;
};

struct Backend {
  // Several processes may append to this store at once (PostgreSQL).
  bool shared = false;
  // Requests one EventStore::append_all commit takes together.
  std::size_t max_group = 512;
  // What the open did that an operator should hear of (an upgrade, read
  // models refolded because they belong to another log), one line each.
  std::vector<std::string> notices;
  std::vector<BackendGauge> gauges;
  std::vector<BackendHistogram> histograms;

  std::unique_ptr<EventStore> log;
  std::unique_ptr<ProjectionStore> rows;  // the read models
  std::unique_ptr<TokenStore> tokens;

  // Caps the size of the store's files at `bytes` (--max-db-size; 0 does
  // nothing), so that appends past it fail as storage_full (507), as on a
  // full disk. SQLite: the log file, rounded down to whole pages and never
  // below its current size (PRAGMA max_page_count). invalid when the
  // backend cannot cap its size (PostgreSQL: give the database a quota of
  // its own).
  std::function<Status(std::int64_t bytes)> limit_size;
};

// True when `db` names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_uri(std::string_view db);

// False when `db` is a file that does not exist (commands that only read,
// such as verify, say so rather than create an empty store); true for a
// PostgreSQL URI, whose database is checked by connecting.
bool store_exists(const std::string& db);

// `db` without the password of a PostgreSQL URI (user:secret@ -> user:***@).
std::string redacted_location(std::string_view db);

// Opens (creating when missing) the store `db` names, with `clock` (which
// must outlive the Backend) stamping recorded_at and token times. For a
// file, creates its parent directory; the read models are checked against
// the log: rows that reflect more of the log than it holds belong to
// another log and are dropped (to be folded again), with a notice.
// `projection` names the read model to check. io_error when the store
// cannot be reached or opened.
Result<Backend> open_backend(const std::string& db, domain::Clock& clock,
                             std::string_view projection);

}  // namespace starlog::store
