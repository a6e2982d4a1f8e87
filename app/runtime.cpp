#include "app/runtime.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace starlog::app {
namespace {
long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::open(const std::string& db_path) {
  auto rt = std::make_unique<Runtime>();
  const auto parent = std::filesystem::path(db_path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::io_error("cannot create directory " + parent.string() + ": " + ec.message());
  }
  auto db = store::SqliteDatabase::open(db_path);
  if (!db.ok()) return db.status();
  rt->db = *db;
  if (const std::int64_t from = rt->db->upgraded_from(); from != 0) {
    std::fprintf(stderr,
                 "starlog: upgraded %s from store format %lld to %lld: events and tokens are kept;"
                 " the read models (in %s) are folded again from the log\n",
                 db_path.c_str(), static_cast<long long>(from),
                 static_cast<long long>(store::log_schema().version),
                 store::read_model_path(db_path).c_str());
  }
  auto log = store::SqliteEventStore::open(rt->db, rt->clock);
  if (!log.ok()) return log.status();
  rt->log = std::move(*log);
  auto views = store::SqliteDatabase::open_read_models(store::read_model_path(db_path));
  if (!views.ok()) return views.status();
  rt->read_models = *views;
  auto rows = store::SqliteProjectionStore::open(rt->read_models);
  if (!rows.ok()) return rows.status();
  rt->rows = std::move(*rows);
  // Read models that reflect more of the log than it holds belong to
  // another log (a store copied without its .projections file, a log put
  // back from an older backup): they are folded again rather than served.
  const std::string live(projections::TimelineProjection::kName);
  auto cp = rt->rows->checkpoint(live);
  if (!cp.ok()) return cp.status();
  if (cp->position > rt->log->head()) {
    std::fprintf(stderr,
                 "starlog: %s reflects log position %lld but the log ends at %lld: folding the"
                 " read models again from the log\n",
                 store::read_model_path(db_path).c_str(), static_cast<long long>(cp->position),
                 static_cast<long long>(rt->log->head()));
    if (Status s = rt->rows->drop(live); !s) return s;
  }
  rt->timeline =
      std::make_unique<projections::Projector>(*rt->log, *rt->rows, rt->timeline_projection);
  rt->reader = std::make_unique<projections::TimelineReader>(
      *rt->rows, std::string(projections::TimelineProjection::kName));
  auto tokens = store::SqliteTokenStore::open(rt->db, rt->clock);
  if (!tokens.ok()) return tokens.status();
  rt->tokens = std::move(*tokens);
  rt->timeline_rebuilder =
      std::make_unique<projections::Rebuilder>(*rt->log, *rt->rows, *rt->timeline, rt->clock);
  return rt;
}

Status Runtime::catch_up() {
  Progress progress("projecting timeline");
  // A backlog (start-up, import): bulk commits, far fewer page writes.
  auto r =
      timeline->catch_up([&](std::int64_t at, std::int64_t head) { progress.update(at, head); },
                         projections::Projector::kHead, projections::Projector::kBulk);
  progress.finish();
  return r.status();
}

Progress::Progress(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1), start_ms_(now_ms()) {}

void Progress::update(std::int64_t done, std::int64_t total) {
  if (!tty_) return;
  const long long t = now_ms();
  if (printed_ && t - last_ms_ < 200) return;
  last_ms_ = t;
  printed_ = true;
  const double secs = std::max(1LL, t - start_ms_) / 1000.0;
  if (total > 0) {
    const int width = 30;
    const int filled =
        static_cast<int>(width * std::min<double>(1.0, double(done) / double(total)));
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld (%.0f/s)  ", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), done / secs);
  } else {
    std::fprintf(stderr, "\r%s %lld (%.0f/s)  ", label_.c_str(), static_cast<long long>(done),
                 done / secs);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (tty_ && printed_) std::fprintf(stderr, "\n");
  printed_ = false;
}

}  // namespace starlog::app
