// GET /v1/whoami: who the bearer token of the request is (its name, which
// becomes recorded_by of what it appends, and its role) and what that role
// may do. The web app's sign-in checks a token with it; scripts can too.
// A request without a token is 401 (there is nobody to describe); an unknown
// or revoked token is 401 like everywhere else.
#pragma once

#include "api/router.h"

namespace starlog::api {

void add_whoami_route(Router& router);

}  // namespace starlog::api
