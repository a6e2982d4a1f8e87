#include "projections/projector.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <utility>

namespace starlog::projections {

Projector::Projector(store::EventStore& log, store::ProjectionStore& rows, Projection& projection,
                     std::string store_name, Batch batch)
    : log_(log),
      rows_(rows),
      projection_(projection),
      store_name_(store_name.empty() ? std::string(projection.name()) : std::move(store_name)),
      batch_(batch),
      rows_version_(projection.code_version()) {}

Result<std::int64_t> Projector::catch_up(
    const std::function<void(std::int64_t, std::int64_t)>& progress, std::int64_t up_to,
    std::optional<Batch> batch) {
  std::lock_guard lock(mu_);
  return catch_up_locked(progress, up_to, batch.value_or(batch_));
}

Result<std::int64_t> Projector::catch_up_to(std::int64_t target) {
  if (const std::int64_t at = position(); at >= target) return at;
  std::lock_guard lock(mu_);
  if (const std::int64_t at = position(); at >= target) return at;
  return catch_up_locked({}, kHead, batch_);
}

Status Projector::exclusive(
    const std::function<Status(std::int64_t position, const Status& caught_up)>& f) {
  std::lock_guard lock(mu_);
  auto at = catch_up_locked({}, kHead, batch_);
  // A failed page committed nothing: the rows are at position().
  Status s = f(position(), at.status());
  if (Status reloaded = reload_locked(); !reloaded && s) return reloaded;
  return s;
}

Status Projector::reload_locked() {
  auto cp = rows_.checkpoint(store_name_);
  if (!cp.ok()) return cp.status();
  position_.store(cp->position, std::memory_order_release);
  rows_version_.store(cp->position > 0 ? cp->code_version : projection_.code_version(),
                      std::memory_order_release);
  return Status::ok();
}

Status Projector::commit_leading_slices(std::vector<store::KvWrite>& writes, std::int64_t committed,
                                        const Batch& batch) {
  const std::size_t slice = batch.rows_per_transaction;
  if (slice == 0 || writes.size() <= slice) return Status::ok();
  // Every slice but the last leaves the checkpoint at the old position and
  // marked unfinished: rows it does not describe may be stored.
  const store::Checkpoint unfinished{committed, kUnfinished};
  auto from = writes.begin();
  while (writes.end() - from > static_cast<std::ptrdiff_t>(slice)) {
    const auto to = from + static_cast<std::ptrdiff_t>(slice);
    const std::vector<store::KvWrite> part(std::make_move_iterator(from),
                                           std::make_move_iterator(to));
    if (Status s = rows_.commit(store_name_, part, unfinished); !s) return s;
    from = to;
  }
  writes.erase(writes.begin(), from);
  return Status::ok();
}

Result<std::int64_t> Projector::catch_up_locked(
    const std::function<void(std::int64_t, std::int64_t)>& progress, std::int64_t up_to,
    const Batch& batch) {
  if (Status s = reload_locked(); !s) return s;
  store::Checkpoint at{position(), rows_code_version()};
  PendingRows rows(rows_, store_name_);
  std::int64_t folded = at.position;  // folded into `rows`, maybe not yet committed
  auto commit = [&]() -> Status {
    if (folded == at.position) return Status::ok();
    std::vector<store::KvWrite> writes = rows.take();
    if (Status s = commit_leading_slices(writes, at.position, batch); !s) return s;
    at.position = folded;
    if (Status s = rows_.commit(store_name_, writes, at); !s) return s;
    position_.store(at.position, std::memory_order_release);
    if (progress) progress(at.position, log_.head());
    return Status::ok();
  };
  // A bulk fold reads (and parses) the next page on another thread while it
  // folds this one: the two take about as long, and there are two cores.
  const bool bulk = batch.events > kPageSize;
  const std::size_t page_size = bulk ? kBulkPageSize : kPageSize;
  auto read_page = [this, up_to, page_size](std::int64_t after) {
    const auto want = static_cast<std::size_t>(std::min<std::int64_t>(page_size, up_to - after));
    return std::make_pair(want, log_.read_all(after, want));
  };
  std::future<std::pair<std::size_t, Result<std::vector<domain::Event>>>> next;
  while (folded < up_to) {
    auto [want, page] = next.valid() ? next.get() : read_page(folded);
    if (!page.ok()) return page.status();
    const bool end = page->size() < want;
    const std::int64_t last = page->empty() ? folded : page->back().position;
    if (bulk && !end && last < up_to) next = std::async(std::launch::async, read_page, last);
    for (const auto& e : *page) {
      if (Status s = projection_.apply(e, rows); !s) return s;
    }
    folded = last;
    if (end || folded >= up_to || static_cast<std::size_t>(folded - at.position) >= batch.events ||
        rows.bytes() >= batch.bytes) {
      if (Status s = commit(); !s) return s;
    }
    if (end) break;
  }
  return at.position;
}

}  // namespace starlog::projections
