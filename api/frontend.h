// The frontend-facing layer between the Server and the Router: answers
// OPTIONS and adds CORS headers (api/cors.h), then compresses (api/compression.h).
// Everything else is the inner handler's.
#pragma once

#include "api/cors.h"
#include "api/http.h"
#include "api/router.h"

namespace starlog::api {

// `inner` answers every request but OPTIONS (normally the router, or a
// wrapper around it such as auth); `router` is consulted for OPTIONS only.
// `router` and `cors` must outlive the returned handler.
Handler frontend_handler(Handler inner, const Router& router, const Cors& cors);

}  // namespace starlog::api
