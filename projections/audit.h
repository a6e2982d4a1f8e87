// The audit of docs/audit.md#2-verify (`starlog verify`, GET /v1/audit/verify):
// the hash chain checked link by link over the whole log, and every
// projection's live digest compared with the digest of a replay of the log
// from position 0 to the position the live rows reflect.
//
// Report, as served and printed:
//   {"events": n, "head_hash": hex, "chain": "ok"|"broken",
//    "first_bad_position": n|null, "problem": text|null,
//    "projections": [{"name", "position", "rows", "code_version",
//                     "live_digest", "replay_digest", "match",
//                     "replay_problem" (only when the log would not replay)}],
//    "verified": bool}
// "verified" is true only when the chain holds and every projection matches.
//
// Reads only; safe beside appends and rebuilds (the live digest and its
// position come from one snapshot). The replay folds into a temporary
// file (store::ScratchProjectionStore), so memory stays bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/json.h"
#include "domain/status.h"
#include "projections/projector.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::projections {

struct ChainReport {
  std::int64_t events = 0;
  std::string head_hash;  // stored hash of the last event
  std::optional<std::int64_t> first_bad_position;
  std::string problem;  // what is wrong at first_bad_position
  std::int64_t bad_links = 0;
  bool ok() const { return !first_bad_position; }
};

// Streams the stored log through domain::ChainVerifier.
Result<ChainReport> check_chain(store::EventStore& log);

// The whole report (see above). `projections` are the live ones.
Result<Json> verify(store::EventStore& log, store::ProjectionStore& rows,
                    const std::vector<Projector*>& projections);

}  // namespace starlog::projections
