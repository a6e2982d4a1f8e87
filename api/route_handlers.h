// The handlers of the routes that add_routes (api/routes.cpp) registers,
// one function from request to response each: the append in
// write_routes.cpp, the reads in read_routes.cpp, /readyz in
// health_routes.cpp. Internal to api/.
#pragma once

#include "api/routes.h"

namespace starlog::api {

// POST /v1/celebrities/{id}/events
Response append_events(Services& s, const Request& req, const RouteParams& p);

// GET /v1/celebrities/{id}/timeline, /v1/celebrities, /v1/celebrities/{id},
// /v1/celebrities/{id}/findings and /v1/findings (of_celebrity false),
// /v1/facts/{fact_id}, /v1/celebrities/{id}/events, /v1/events.
Response get_timeline(Services& s, const Request& req, const RouteParams& p);
Response get_directory(Services& s, const Request& req, const RouteParams& p);
Response get_profile(Services& s, const Request& req, const RouteParams& p);
Response get_findings(Services& s, const Request& req, const RouteParams& p, bool of_celebrity);
Response get_fact(Services& s, const Request& req, const RouteParams& p);
Response get_stream(Services& s, const Request& req, const RouteParams& p);
Response get_log(Services& s, const Request& req, const RouteParams& p);

// GET /readyz: started, the store answers, and the projection has folded the log.
Response readiness(Services& s, const Request& req);

}  // namespace starlog::api
