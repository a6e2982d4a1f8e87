// The audit and operations routes (docs/audit.md, issue #4), registered
// beside the core routes of api/routes.h:
//
//   GET  /v1/audit/verify                the chain and every projection
//                                        against a replay (projections/audit.h)
//   GET  /v1/projections                 status, position, head, lag, and
//                                        progress while rebuilding
//   POST /v1/projections/{name}/rebuild  202; a verified rebuild beside the
//                                        live rows (projections/rebuilder.h);
//                                        ?max_rate= events per second
//
// and the time travel of GET /v1/celebrities/{id}/timeline (as_of,
// as_of_position), whose position api/routes.cpp resolves with resolve_as_of().
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "api/router.h"
#include "projections/projector.h"
#include "projections/rebuilder.h"
#include "projections/timeline_reader.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::api {

struct ManagedProjection {
  projections::Projector& live;
  projections::Rebuilder& rebuilder;
};

struct AuditServices {
  store::EventStore& log;
  store::ProjectionStore& rows;
  std::vector<ManagedProjection> projections;
  projections::Rebuilder::Options rebuild_defaults;  // e.g. serve --rebuild-max-rate
  std::mutex verify_mu;  // one verify at a time: each replays the whole log
};

// Registers the routes above. `services` must outlive the router.
void add_audit_routes(Router& router, AuditServices& services);

// Whether a timeline request asks for time travel (as_of or as_of_position).
bool wants_time_travel(const RouteParams& p);

// The log position an as_of (RFC 3339) / as_of_position (N) request names
// (as_of: the last event recorded at or before it, never beyond the head),
// or the 400 answer naming the parameter: unreadable, both given, or
// as_of_position beyond the head. The timeline at that position is
// projections::timeline_at (404 when the celebrity was not registered by
// then).
struct AsOf {
  std::int64_t position = 0;
  std::optional<Response> error;
};
AsOf resolve_as_of(store::EventStore& log, const Request& req, const RouteParams& p);

}  // namespace starlog::api
