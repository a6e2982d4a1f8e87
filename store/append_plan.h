// The decisions of EventStore::append (store/event_store.h), the same for
// every backend: a backend supplies what its log holds inside its write
// transaction (AppendLog) and writes what the plan says. So idempotency,
// the expected version, the rules of domain/append_rules.h, positions,
// versions, recorded time and the hash chain are decided in one place, and
// the SQLite store and the in-memory one cannot drift apart.
//
// Order of decisions (EventStore::append): idempotency (every id stored with
// the same content: a retry; an id stored with other content, in another
// stream, or only some ids stored: duplicate_id), then the expected version
// (precondition_failed), then the append rules (invalid / conflict).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "domain/append_rules.h"
#include "domain/clock.h"
#include "domain/hash_chain.h"
#include "store/event_store.h"

namespace starlog::store {

// What is stored under an event id.
struct StoredId {
  std::string stream;
  std::int64_t version = 0;
  std::int64_t position = 0;
  std::string content_digest;
  std::string hash;
};

// The last event of the log.
struct LogHead {
  std::int64_t position = 0;  // 0: an empty log
  std::string hash = domain::genesis_hash();
  std::int64_t recorded_at_ms = std::numeric_limits<std::int64_t>::min();
};

// The log as the plan sees it, inside the backend's write transaction. A
// storage failure in a LogView method cannot be returned through it: the
// backend keeps it and answers it from failure().
class AppendLog : public domain::LogView {
 public:
  virtual Result<std::optional<StoredId>> stored(std::string_view id) = 0;
  virtual Result<LogHead> head() = 0;
  // The first storage failure of a LogView call; ok when none.
  virtual Status failure() const = 0;
};

struct AppendPlan {
  // created=false: every event was already stored (a retry); nothing to write.
  AppendResult result;
  // The events to write, in order, with every assigned field and the hash.
  std::vector<domain::Event> events;
  std::vector<std::string> content_digests;  // of `events`, in order
  // Facts whose content the plan's takedowns erase (EventStore::append).
  std::vector<std::string> erased_facts;
};

// What every backend refuses before queueing a request: a stream id that is
// not a celebrity id (the log keeps whatever it is given forever), an empty
// request, and a batch naming one id twice (which can never have been
// stored, so it is no retry). invalid, or ok.
Status precheck_append(const AppendRequest& request);

// A refusal of one request (it rolls back to its own savepoint and the
// others of a group commit go on), as opposed to the storage failing.
bool is_refusal(const Status& s);

// REQUIRES: precheck_append(request) is ok. `now` is the store's clock; recorded time never runs
// backwards along the log.
Result<AppendPlan> plan_append(const AppendRequest& request, AppendLog& log, domain::Millis now);

// What EventStore::restore checks of each event, in order, against the log
// as it stands: already stored with the same hash at the same position
// (true: skip it), else continues the log's positions, its stream's versions
// and recorded time, and chains from the head. corrupt, naming the
// position, otherwise.
Result<bool> check_restored(const domain::Event& e, const LogHead& head,
                            std::int64_t stream_version, const std::optional<StoredId>& stored);

// The append rules (domain/append_rules.h) a restored event must keep,
// checked after check_restored against the log as it stands, the restore's
// earlier events written: an export is refused if an append could not have
// written it. An erased event has no content left to check. A takedown
// whose fact the export already holds erased (by no other takedown) is
// checked only for naming a fact of its own stream. `index`: the event's
// place in the restore. invalid, or ok; each error's pointer starts with
// "/index" (as in a batch), a rule that an append answers with a conflict
// included.
Status check_restored_rules(const domain::Event& e, std::size_t index, domain::LogView& log);

}  // namespace starlog::store
