#include "store/backend.h"

#include <filesystem>

#include "store/memory_projection_store.h"
#include "store/pg_connection.h"
#include "store/pg_event_store.h"
#include "store/pg_token_store.h"
#include "store/sqlite_database.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_projection_store.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_sync_timer.h"
#include "store/sqlite_token_store.h"

namespace starlog::store {
namespace {

double file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0.0 : static_cast<double>(n);
}

// SQLite's page quota: max_page_count pages of page_size bytes.
Status cap_pages(SqliteDatabase& db, std::int64_t bytes) {
  if (bytes <= 0) return Status::ok();
  auto w = db.writer();
  auto stmt = w->prepare("PRAGMA page_size");
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  const std::int64_t page = *row ? stmt->int64(0) : 4096;
  stmt->reset();
  std::string sql = "PRAGMA max_page_count=";
  sql += std::to_string(std::max<std::int64_t>(1, bytes / std::max<std::int64_t>(page, 512)));
  return w->exec(sql);
}

Status open_sqlite(Backend& b, const std::string& path, domain::Clock& clock) {
  b.max_group = SqliteEventStore::kMaxGroup;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::io_error("cannot create directory " + parent.string() + ": " + ec.message());
  }
  install_sync_timer();  // before the database opens: it times SQLite's fsyncs
  auto db = SqliteDatabase::open(path);
  if (!db.ok()) return db.status();
  std::shared_ptr<SqliteDatabase> log_db = *db;
  if (const std::int64_t from = log_db->upgraded_from(); from != 0) {
    b.notices.push_back("upgraded " + path + " from store format " + std::to_string(from) + " to " +
                        std::to_string(log_schema().version) +
                        ": events and tokens are kept; the read models (in " +
                        read_model_path(path) + ") are folded again from the log");
  }
  auto log = SqliteEventStore::open(log_db, clock);
  if (!log.ok()) return log.status();
  auto views = SqliteDatabase::open_read_models(read_model_path(path));
  if (!views.ok()) return views.status();
  auto rows = SqliteProjectionStore::open(*views);
  if (!rows.ok()) return rows.status();
  auto tokens = SqliteTokenStore::open(log_db, clock);
  if (!tokens.ok()) return tokens.status();

  SqliteEventStore* events = log->get();
  b.gauges.push_back({"starlog_append_group_commits",
                      "Group commits of appends so far (one transaction and one fsync each).",
                      [events] { return static_cast<double>(events->group_stats().groups); }});
  b.gauges.push_back({"starlog_append_grouped_requests",
                      "Append requests that went through group commits so far; divided by "
                      "starlog_append_group_commits, the mean group size.",
                      [events] { return static_cast<double>(events->group_stats().requests); }});
  b.gauges.push_back({"starlog_wal_checkpoints", "Background WAL checkpoints run so far.",
                      [log_db] { return static_cast<double>(log_db->checkpoint_stats().runs); }});
  b.gauges.push_back({"starlog_db_size_bytes", "Size of the SQLite database file.",
                      [path] { return file_size(path); }});
  b.gauges.push_back({"starlog_wal_size_bytes", "Size of the SQLite write-ahead log.",
                      [path] { return file_size(path + "-wal"); }});
  b.histograms.push_back({"starlog_fsync_duration_seconds",
                          "Time of each fsync SQLite makes (commits and checkpoints).", [] {
                            const SyncStats s = sync_stats();
                            BackendHistogram::Snapshot h;
                            std::uint64_t running = 0;
                            for (std::size_t i = 0; i < s.kBounds.size(); ++i) {
                              running += s.buckets[i];
                              h.bounds.push_back(s.kBounds[i]);
                              h.counts.push_back(running);
                            }
                            h.count = s.count;
                            h.sum = s.seconds;
                            return h;
                          }});
  b.limit_size = [log_db](std::int64_t bytes) { return cap_pages(*log_db, bytes); };

  b.log = std::move(*log);
  b.rows = std::move(*rows);
  b.tokens = std::move(*tokens);
  return Status::ok();
}

Status open_postgres(Backend& b, const std::string& uri, domain::Clock& clock) {
  b.shared = true;
  b.max_group = PgEventStore::kMaxGroup;
  auto log = PgEventStore::open(uri, clock);
  if (!log.ok()) return log.status();
  auto tokens = PgTokenStore::open(uri, clock);
  if (!tokens.ok()) return tokens.status();
  b.log = std::move(*log);
  b.tokens = std::move(*tokens);
  // A node's read models: its own, in memory, folded from the shared log.
  b.rows = std::make_unique<MemoryProjectionStore>();
  b.limit_size = [](std::int64_t bytes) {
    if (bytes <= 0) return Status::ok();
    return Status::invalid(
        "--max-db-size caps a SQLite file; give a PostgreSQL database its quota in PostgreSQL "
        "(a tablespace on a volume of that size)");
  };
  return Status::ok();
}

}  // namespace

bool is_postgres_uri(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

bool store_exists(const std::string& db) {
  if (is_postgres_uri(db)) return true;
  std::error_code ec;
  return std::filesystem::exists(db, ec);
}

std::string redacted_location(std::string_view db) {
  std::string out(db);
  if (!is_postgres_uri(db)) return out;
  const auto scheme_end = out.find("://") + 3;
  const auto at = out.find('@', scheme_end);
  if (at == std::string::npos) return out;
  const auto colon = out.find(':', scheme_end);
  if (colon == std::string::npos || colon > at) return out;
  out.replace(colon + 1, at - colon - 1, "***");
  return out;
}

Result<Backend> open_backend(const std::string& db, domain::Clock& clock,
                             std::string_view projection) {
  Backend b;
  if (Status s = is_postgres_uri(db) ? open_postgres(b, db, clock) : open_sqlite(b, db, clock); !s)
    return s;
  // Read models that reflect more of the log than it holds belong to
  // another log (a store copied without its .projections file, a log put
  // back from an older backup): they are folded again rather than served.
  auto cp = b.rows->checkpoint(projection);
  if (!cp.ok()) return cp.status();
  const std::int64_t head = b.log->head();
  if (cp->position > head) {
    b.notices.push_back("the read models reflect log position " + std::to_string(cp->position) +
                        " but the log ends at " + std::to_string(head) +
                        ": folding the read models again from the log");
    if (Status s = b.rows->drop(projection); !s) return s;
  }
  return b;
}

}  // namespace starlog::store
