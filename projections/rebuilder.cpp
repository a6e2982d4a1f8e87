#include "projections/rebuilder.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "projections/digest.h"

namespace starlog::projections {
namespace {

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json outcome_json(const Rebuilder::Outcome& o) {
  return {{"result", o.result},
          {"reason", o.reason},
          {"position", o.position},
          {"digest", text_or_null(o.digest)},
          {"live_digest", text_or_null(o.live_digest)},
          {"replay_digest", text_or_null(o.replay_digest)},
          {"detail", text_or_null(o.detail)},
          {"started_at", domain::format_instant_ms(o.started_at)},
          {"finished_at", domain::format_instant_ms(o.finished_at)}};
}

}  // namespace

Rebuilder::Rebuilder(store::EventStore& log, store::ProjectionStore& rows, Projector& live,
                     domain::Clock& clock)
    : log_(log), rows_(rows), live_(live), clock_(clock) {}

Rebuilder::~Rebuilder() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();
}

std::string Rebuilder::copy_name(std::string_view live_store_name) {
  std::string name(live_store_name);
  name += "~rebuild";
  return name;
}

Result<std::optional<store::Checkpoint>> Rebuilder::interrupted() const {
  if (running()) return std::optional<store::Checkpoint>();
  auto left = rows_.checkpoint(copy_name(live_.store_name()));
  if (!left.ok()) return left.status();
  const bool ours = left->code_version == live_.projection().code_version() ||
                    left->code_version == Projector::kUnfinished;
  if (left->position == 0 || !ours) return std::optional<store::Checkpoint>();
  return std::optional<store::Checkpoint>(*left);
}

bool Rebuilder::start(std::string reason, Options options) {
  std::lock_guard lock(thread_mu_);
  bool idle = false;
  if (!running_.compare_exchange_strong(idle, true)) return false;
  if (thread_.joinable()) thread_.join();  // the previous one, finished
  {
    std::lock_guard state(mu_);
    options_ = options;
  }
  thread_ = std::thread([this, reason = std::move(reason), options] {
    // The lowest CPU priority (Linux: per thread): requests come first, the
    // rebuild takes what they leave.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
    rebuild(reason, options);
    running_ = false;
  });
  return true;
}

Rebuilder::Outcome Rebuilder::run(std::string reason, Options options) {
  bool idle = false;
  if (!running_.compare_exchange_strong(idle, true)) {
    Outcome busy;
    busy.result = "error";
    busy.reason = std::move(reason);
    busy.detail = "a rebuild of this projection is already running";
    busy.started_at = busy.finished_at = clock_.now();
    return busy;
  }
  Outcome out = rebuild(reason, options);
  running_ = false;
  return out;
}

void Rebuilder::wait() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();
}

Result<bool> Rebuilder::start_over() {
  std::optional<std::pair<std::string, Options>> was;
  {
    std::lock_guard lock(thread_mu_);
    if (thread_.joinable()) {
      {
        std::lock_guard state(mu_);
        if (running_) was.emplace(reason_, options_);
        stop_ = true;
      }
      wake_.notify_all();
      thread_.join();
      std::lock_guard state(mu_);
      stop_ = false;
    }
  }
  const std::string copy = copy_name(live_.store_name());
  auto left = rows_.checkpoint(copy);
  if (!left.ok()) return left.status();
  if (left->position > 0 || left->code_version > 0) {
    if (Status s = rows_.drop(copy); !s && s.code() != Code::not_found) return s;
  }
  if (!was) return false;
  return start(was->first, was->second);
}

std::optional<Rebuilder::Outcome> Rebuilder::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

bool Rebuilder::pause(std::chrono::steady_clock::duration d) {
  std::unique_lock lock(mu_);
  if (d > std::chrono::steady_clock::duration::zero())
    wake_.wait_for(lock, d, [this] { return stop_.load(); });
  return !stop_;
}

void Rebuilder::set_phase(const char* phase) {
  std::lock_guard lock(mu_);
  phase_ = phase;
}

Rebuilder::Outcome Rebuilder::finish(Outcome out, std::string result, std::string detail) {
  out.result = std::move(result);
  out.detail = std::move(detail);
  out.finished_at = clock_.now();
  {
    std::lock_guard lock(mu_);
    last_ = out;
    phase_.clear();
  }
  if (on_finish_) on_finish_(out);
  return out;
}

Rebuilder::Outcome Rebuilder::rebuild(const std::string& reason, const Options& options) {
  Outcome out;
  out.reason = reason;
  out.started_at = clock_.now();
  {
    std::lock_guard lock(mu_);
    reason_ = reason;
    started_at_ = out.started_at;
    phase_ = "building";
  }
  copy_position_ = 0;
  Projection& projection = live_.projection();
  const std::string live_name = live_.store_name();
  const std::string copy = copy_name(live_name);
  auto error = [&](const Status& s) { return finish(out, "error", s.message()); };

  // 1. Build beside the live rows. A copy of this code version left by a
  // stopped rebuild is resumed; one of another version is of no use.
  // A copy interrupted between the slices of a batch (Projector::kUnfinished)
  // holds rows its checkpoint does not describe: started over too. (An
  // empty name has code version 0: dropping it costs nothing.)
  auto left = rows_.checkpoint(copy);
  if (!left.ok()) return error(left.status());
  if (left->code_version != projection.code_version()) {
    if (Status s = rows_.drop(copy); !s) return error(s);
  }
  Projector builder(log_, rows_, projection, copy, Projector::kRebuild);
  auto resumed = builder.catch_up({}, 0);  // reads the checkpoint only
  if (!resumed.ok()) return error(resumed.status());
  copy_position_ = *resumed;
  const auto began = std::chrono::steady_clock::now();
  const std::int64_t from = *resumed;
  // Slices short enough to see a stop request and to pace smoothly.
  const std::int64_t slice =
      options.max_rate > 0
          ? std::clamp<std::int64_t>(std::llround(options.max_rate / 10), 1,
                                     static_cast<std::int64_t>(Projector::kPageSize))
          : static_cast<std::int64_t>(Projector::kBulk.events);
  for (;;) {
    if (stop_)
      return finish(out, "stopped",
                    "stopped at position " + std::to_string(builder.position()) +
                        "; the next rebuild resumes there");
    const std::int64_t head = log_.head();
    if (builder.position() >= head) break;
    auto at = builder.catch_up([&](std::int64_t p, std::int64_t) { copy_position_ = p; },
                               std::min(head, builder.position() + slice));
    if (!at.ok()) return error(at.status());
    copy_position_ = *at;
    if (options.max_rate > 0) {
      const auto due =
          began +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double>(static_cast<double>(*at - from) / options.max_rate));
      if (!pause(due - std::chrono::steady_clock::now())) continue;  // stop_ is seen above
    }
  }

  // 2. Prove. Against the live rows when they are of this code version and
  // can be brought to the copy's position.
  set_phase("proving");
  const bool upgrade = live_.stale();
  std::string live_problem;
  if (!upgrade) {
    bool swapped = false;
    Status s = live_.exclusive([&](std::int64_t p, const Status& caught_up) -> Status {
      if (builder.position() > p) {  // the live rows are stuck behind
        live_problem = "the live rows could not be caught up: " + caught_up.message();
        return Status::ok();
      }
      auto at = builder.catch_up({}, p);
      if (!at.ok()) return at.status();
      copy_position_ = *at;
      auto c = digest(rows_, copy, projection);
      if (!c.ok()) return c.status();
      auto l = digest(rows_, live_name, projection);
      if (!l.ok()) return l.status();
      if (c->position != p || l->position != p)
        return Status::corrupt("the copy (" + std::to_string(c->position) +
                               ") and the live rows (" + std::to_string(l->position) +
                               ") are not both at position " + std::to_string(p));
      out.position = p;
      out.digest = c->hex;
      out.live_digest = l->hex;
      if (c->hex != l->hex) return Status::ok();
      set_phase("swapping");
      // Both empty (an empty log) leaves nothing to rename.
      if (p > 0) {
        if (Status r = rows_.rename(copy, live_name); !r) return r;
      }
      swapped = true;
      return Status::ok();
    });
    if (!s) return error(s);
    if (swapped)
      return finish(
          out, "verified",
          "the rebuilt rows equal the live rows at position " + std::to_string(out.position));
  }

  // Against an independent replay of the log, at the copy's position.
  auto c = digest(rows_, copy, projection);
  if (!c.ok()) return error(c.status());
  auto r = replay_digest(log_, projection, c->position);
  if (!r.ok()) return error(r.status());
  out.position = c->position;
  out.digest = c->hex;
  out.replay_digest = r->hex;
  if (c->hex != r->hex) {
    if (Status s = rows_.drop(copy); !s) return error(s);
    return finish(out, "failed",
                  "the rebuilt rows differ from a replay of the log at position " +
                      std::to_string(c->position) +
                      ": the fold is not deterministic; nothing was swapped");
  }

  // 3. Swap: bring the copy to the live position (it may be ahead already)
  // and rename it over the live rows.
  set_phase("swapping");
  std::int64_t swapped_at = 0;
  Status s = live_.exclusive([&](std::int64_t p, const Status&) -> Status {
    auto at = builder.catch_up({}, std::max(p, builder.position()));
    if (!at.ok()) return at.status();
    copy_position_ = *at;
    swapped_at = *at;
    if (*at == 0) return Status::ok();
    return rows_.rename(copy, live_name);
  });
  if (!s) return error(s);
  std::string detail = "the rebuilt rows equal a replay of the log at position " +
                       std::to_string(out.position) + "; swapped in at position " +
                       std::to_string(swapped_at);
  if (upgrade) return finish(out, "upgraded", detail);
  if (!live_problem.empty())
    detail += "; " + live_problem;
  else
    detail += "; the live rows had differed from both";
  return finish(out, "repaired", detail);
}

Json Rebuilder::status() const {
  // The position first: the head read after it is never behind it (the
  // other order let an append folded in between report position > head).
  const std::int64_t position = live_.position();
  const std::int64_t head = log_.head();
  Json j = {{"name", live_.name()},
            {"position", position},
            {"head", head},
            {"lag", std::max<std::int64_t>(0, head - position)},
            {"status", running_ ? "rebuilding" : "live"},
            {"code_version", live_.projection().code_version()},
            {"rows_code_version", live_.rows_code_version()},
            {"rebuild", nullptr},
            {"last_rebuild", nullptr}};
  std::lock_guard lock(mu_);
  if (running_ && !phase_.empty()) {
    const std::int64_t at = copy_position_;
    const double progress =
        head > 0
            ? std::round(std::min(1.0, static_cast<double>(at) / static_cast<double>(head)) * 1e4) /
                  1e4
            : 1.0;
    j["rebuild"] = {{"reason", reason_},
                    {"phase", phase_},
                    {"started_at", domain::format_instant_ms(started_at_)},
                    {"position", at},
                    {"head", head},
                    {"progress", progress}};
  }
  if (last_) j["last_rebuild"] = outcome_json(*last_);
  return j;
}

}  // namespace starlog::projections
