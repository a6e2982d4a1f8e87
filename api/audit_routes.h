// The audit and operations routes of CONTRACT §6 (issue #4), registered
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
// as_of_position), which api/routes.cpp hands to timeline_as_of().
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

// Answers a timeline request with as_of (RFC 3339) or as_of_position (N):
// the timeline of `q` exactly as it stood at that log position, rendered
// by `respond` (the live timeline's JSON answer, so the two stay alike).
// 400 naming the parameter when it is unreadable, when both are given, or
// when as_of_position is beyond the head; 404 when the celebrity was not
// registered by then.
Response timeline_as_of(store::EventStore& log, const Request& req, const RouteParams& p,
                        const projections::TimelineQuery& q,
                        const std::function<Response(const Json&)>& respond);

}  // namespace starlog::api
