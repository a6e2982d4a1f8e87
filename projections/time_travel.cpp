#include "projections/time_travel.h"

#include <algorithm>
#include <atomic>
#include <shared_mutex>

#include "projections/fact_codec.h"
#include "projections/row_codec.h"
#include "projections/timeline_keys.h"
#include "projections/timeline_projection.h"
#include "store/versioned_memory_store.h"

namespace starlog::projections {
namespace {

const std::string& projection_name() {
  static const std::string name(TimelineProjection::kName);
  return name;
}

// Whether `e` continues the story of a fact that `rows` has never seen: a
// correction (or retraction) that names the celebrity on a fact recorded
// before the history's end without it. Folding on from there would miss
// the fact's earlier events.
bool continues_unseen_fact(store::VersionedMemoryStore& rows, const domain::Event& e) {
  if (e.taken_down()) return false;
  const std::string fact = e.fact_id();
  if (fact.empty() || fact == e.id) return false;
  auto row = rows.get(projection_name(), keys::fact(fact));
  return row.ok() && !row->has_value();
}

}  // namespace

struct TimeTravel::History {
  History(std::string c, std::uint64_t e) : celebrity(std::move(c)), epoch(e) {}
  const std::string celebrity;
  const std::uint64_t epoch;  // TimeTravel::epoch_ when it was made
  // Unique while folding, shared while rendering; guards the rest.
  std::shared_mutex mu;
  std::unique_ptr<store::VersionedMemoryStore> rows =
      std::make_unique<store::VersionedMemoryStore>();
  std::int64_t folded_to = 0;  // every event up to here is in `rows`
  bool discarded = false;      // a fold failed: ask history_of again

  // Rendered entries (to_wire of render_entry) by the address of the fact
  // row they render (stable while `rows` lives), role and owner's `born`.
  // Emptied whenever `rows` is replaced. Renders add to it concurrently.
  std::mutex entries_mu;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> entries;
  std::atomic<std::size_t> entry_bytes{0};

  void restart() {
    rows = std::make_unique<store::VersionedMemoryStore>();
    folded_to = 0;
    std::lock_guard lock(entries_mu);
    entries.clear();
    entry_bytes = 0;
  }
  std::size_t bytes() const { return rows->bytes() + entry_bytes.load(); }
};

namespace {

// Folds `celebrity`'s events in (after, to] into `rows`, a commit per event.
// With `check`, stops at an event that continues a fact `rows` has not seen
// and sets *unseen.
Status fold_into(store::EventStore& log, const std::string& celebrity,
                 store::VersionedMemoryStore& rows, std::int64_t after, std::int64_t to, bool check,
                 bool* unseen) {
  TimelineProjection fold(TimelineProjection::Input::celebrity_subset);
  for (;;) {
    auto page = log.read_celebrity(celebrity, after, to, 512);
    if (!page.ok()) return page.status();
    if (page->empty()) return Status::ok();
    for (const auto& e : *page) {
      if (check && continues_unseen_fact(rows, e)) {
        *unseen = true;
        return Status::ok();
      }
      PendingRows pending(rows, projection_name());
      if (Status s = fold.apply(e, pending); !s) return s;
      if (Status s =
              rows.commit(projection_name(), pending.take(), {e.position, fold.code_version()});
          !s)
        return s;
    }
    after = page->back().position;
  }
}

Result<Json> render(store::VersionedMemoryStore& rows, const TimelineQuery& q,
                    std::int64_t position,
                    const std::function<std::string(std::string_view)>& names = {}) {
  auto view = rows.at(position);
  TimelineReader reader(view, projection_name());
  if (names) reader.use_names(names);
  return reader.timeline(q, position);
}

}  // namespace

Result<Json> timeline_at(store::EventStore& log, const TimelineQuery& q, std::int64_t position,
                         const std::function<std::string(std::string_view)>& names) {
  store::VersionedMemoryStore rows;
  if (Status s = fold_into(log, q.celebrity, rows, 0, position, false, nullptr); !s) return s;
  return render(rows, q, position, names);
}

TimeTravel::~TimeTravel() = default;

std::shared_ptr<TimeTravel::History> TimeTravel::history_of(const std::string& celebrity) {
  std::lock_guard lock(mu_);
  if (auto it = kept_.find(celebrity); it != kept_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.history;
  }
  auto h = std::make_shared<History>(celebrity, epoch_);
  lru_.push_front(celebrity);
  kept_.emplace(celebrity, Slot{h, lru_.begin(), 0});
  return h;
}

Status TimeTravel::fold_to(History& h, std::int64_t to) {
  bool unseen = false;
  Status s = fold_into(log_, h.celebrity, *h.rows, h.folded_to, to, h.folded_to > 0, &unseen);
  if (s && unseen) {
    // Start over: the history must hold every event of each fact.
    h.restart();
    s = fold_into(log_, h.celebrity, *h.rows, 0, to, false, nullptr);
  }
  if (!s) {
    // Part of a page may be in: the history cannot go on from folded_to.
    h.discarded = true;
    std::lock_guard lock(mu_);
    if (auto it = kept_.find(h.celebrity); it != kept_.end() && it->second.history.get() == &h) {
      bytes_ -= it->second.bytes;
      lru_.erase(it->second.lru);
      kept_.erase(it);
    }
    return s;
  }
  if (h.folded_to == 0) folds_.fetch_add(1, std::memory_order_relaxed);
  h.folded_to = to;
  return Status::ok();
}

void TimeTravel::account(const std::shared_ptr<History>& h) {
  const std::size_t size = h->bytes();
  std::lock_guard lock(mu_);
  auto it = kept_.find(h->celebrity);
  if (h->epoch != epoch_ || it == kept_.end() || it->second.history != h) return;
  bytes_ = bytes_ - it->second.bytes + size;
  it->second.bytes = size;
  // The least recently used go first; the one just read stays.
  while (bytes_ > budget_ && lru_.size() > 1) {
    auto last = kept_.find(lru_.back());
    bytes_ -= last->second.bytes;
    kept_.erase(last);
    lru_.pop_back();
  }
}

Status TimeTravel::with_history(const std::string& celebrity, std::int64_t position,
                                const std::function<void(History&)>& read) {
  for (;;) {
    std::shared_ptr<History> h = history_of(celebrity);
    {
      std::shared_lock shared(h->mu);
      if (h->discarded) continue;
      if (h->folded_to >= position) {
        read(*h);
        shared.unlock();
        account(h);
        return Status::ok();
      }
    }
    std::unique_lock write(h->mu);
    if (h->discarded) continue;
    if (h->folded_to < position) {
      // Up to the head, so that reads of later positions find it folded.
      const std::int64_t to = std::max(position, log_.head());
      if (Status s = fold_to(*h, to); !s) return s;
    }
    read(*h);
    write.unlock();
    account(h);
    return Status::ok();
  }
}

Result<Json> TimeTravel::timeline_at(const TimelineQuery& q, std::int64_t position) {
  Result<Json> doc = Status::io_error("not read");
  Status s = with_history(q.celebrity, position,
                          [&](History& h) { doc = render(*h.rows, q, position, names_); });
  if (!s) return s;
  return doc;
}

Result<std::string> TimeTravel::timeline_text_at(const TimelineQuery& q, std::int64_t position) {
  Result<std::string> text = Status::io_error("not read");
  Status s = with_history(q.celebrity, position, [&](History& h) {
    auto view = h.rows->at(position);
    TimelineReader reader(view, projection_name());
    if (names_) reader.use_names(names_);
    auto page = reader.page(q);
    if (!page.ok()) {
      text = page.status();
      return;
    }
    const std::string born = page->born ? page->born->text() : std::string();
    std::string out = "{\"celebrity\":" + to_wire(page->celebrity) + ",\"entries\":[";
    for (std::size_t i = 0; i < page->entries.size(); ++i) {
      const auto& entry = page->entries[i];
      const std::string* row = view.find(projection_name(), keys::fact(entry.fact_id));
      if (!row) {
        text = Status::corrupt("timeline row without fact");
        return;
      }
      std::string key(reinterpret_cast<const char*>(&row), sizeof row);
      key += entry.role;
      key += '\0';
      key += born;
      std::shared_ptr<const std::string> rendered;
      {
        std::lock_guard lock(h.entries_mu);
        if (auto it = h.entries.find(key); it != h.entries.end()) rendered = it->second;
      }
      if (!rendered) {
        try {
          rendered = std::make_shared<const std::string>(to_wire(
              render_entry(fact_from_json(decode_row(*row)), entry.role, page->born, q.celebrity,
                           [&reader](std::string_view id) { return reader.name_of(id); })));
        } catch (const Json::exception& ex) {
          text = Status::corrupt(std::string("fact row: ") + ex.what());
          return;
        }
        std::lock_guard lock(h.entries_mu);
        if (h.entries.emplace(key, rendered).second)
          h.entry_bytes += key.size() + rendered->size() + 96;
      }
      if (i > 0) out += ',';
      out += *rendered;
    }
    out += "],\"next_cursor\":" + to_wire(page->next_cursor) +
           ",\"position\":" + std::to_string(position) + "}";
    text = std::move(out);
  });
  if (!s) return s;
  return text;
}

void TimeTravel::forget() {
  std::lock_guard lock(mu_);
  ++epoch_;
  kept_.clear();
  lru_.clear();
  bytes_ = 0;
}

TimeTravel::Stats TimeTravel::stats() {
  std::lock_guard lock(mu_);
  return Stats{kept_.size(), bytes_, folds_.load(std::memory_order_relaxed)};
}

}  // namespace starlog::projections
