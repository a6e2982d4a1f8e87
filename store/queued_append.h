// QueuedAppend: an append request waiting in an event store's group commit
// (store/group_commit.h), and append_each, the one way both durable stores
// (SQLite, PostgreSQL) turn a batch of requests into queued appends and
// back into one verdict per request.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "store/append_plan.h"
#include "store/event_store.h"

namespace starlog::store {

struct QueuedAppend {
  const AppendRequest* request = nullptr;
  std::optional<Result<AppendResult>> result;  // set by the group's commit
  bool done = false;                           // set by GroupCommit
};

// Checks each request on its own (precheck_append: a request refused there
// is not queued), hands the others to `commit_queued` together, in order,
// and returns one result per request, in the order given. `commit_queued`
// (std::vector<QueuedAppend*>) -> Status returns once each queued request
// has its result, or with the error that stopped it, which then becomes the
// result of every request left without one.
template <class CommitQueued>
std::vector<Result<AppendResult>> append_each(std::span<const AppendRequest> requests,
                                              CommitQueued&& commit_queued) {
  std::vector<QueuedAppend> pending(requests.size());
  std::vector<QueuedAppend*> queued;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    pending[i].request = &requests[i];
    if (Status s = precheck_append(requests[i]); !s)
      pending[i].result = s;
    else
      queued.push_back(&pending[i]);
  }
  const Status failed = queued.empty() ? Status::ok() : commit_queued(queued);
  const Status unset = failed.is_ok() ? Status::io_error("event store: no result") : failed;
  std::vector<Result<AppendResult>> out;
  out.reserve(requests.size());
  for (QueuedAppend& p : pending)
    out.push_back(p.result ? std::move(*p.result) : Result<AppendResult>(unset));
  return out;
}

}  // namespace starlog::store
