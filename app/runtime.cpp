#include "app/runtime.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace starlog::app {
namespace {
long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::open(const std::string& db) {
  auto rt = std::make_unique<Runtime>();
  auto backend =
      store::open_backend(db, rt->clock, std::string(projections::TimelineProjection::kName));
  if (!backend.ok()) return backend.status();
  rt->backend = std::move(*backend);
  for (const auto& notice : rt->backend.notices)
    std::fprintf(stderr, "starlog: %s\n", notice.c_str());
  rt->log = rt->backend.log.get();
  rt->rows = rt->backend.rows.get();
  rt->tokens = rt->backend.tokens.get();
  rt->timeline =
      std::make_unique<projections::Projector>(*rt->log, *rt->rows, rt->timeline_projection);
  rt->reader = std::make_unique<projections::TimelineReader>(
      *rt->rows, std::string(projections::TimelineProjection::kName));
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
