// What the route handlers (write_routes.cpp, read_routes.cpp) share: query
// parameters, the unknown-celebrity answer, waiting for the fold, a
// celebrity's revision (its ETag) and findings. Internal to api/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caching.h"
#include "api/routes.h"
#include "projections/findings_reader.h"
#include "projections/timeline_projection.h"

namespace starlog::api {

// Version of what the read handlers make of projection rows: part of every
// derived ETag, so a deploy that renders differently invalidates caches. Bump
// the second factor when the rendering of read_routes.cpp (or TimelineJS's) changes.
constexpr std::int64_t kReadCodeVersion = projections::TimelineProjection::kCodeVersion * 1000 + 1;

// The revision of a celebrity's rows (see caching.h: read before the body),
// or the problem that answers instead.
struct Revision {
  std::int64_t value = 0;
  std::optional<Response> error;
};

// A parsed integer query parameter within [lo, hi], its default when absent.
struct IntParam {
  std::int64_t value = 0;
  std::optional<Response> error;
};

IntParam int_param(const Request& req, const RouteParams& p, std::string_view name,
                   std::int64_t def, std::int64_t lo, std::int64_t hi);

std::vector<std::string> split_commas(std::string_view s);

Response unknown_celebrity(const Request& req, std::string_view id);

// Read-your-writes when appends are folded in the background: waits until
// the projection reflects every append answered before this read began.
// After Services::kFoldWait (a fold held up, e.g. by a full disk) the read
// is served from the rows as they are; its answer names their position.
void await_fold(Services& s);

Revision revision_of(Services& s, const Request& req, std::string_view celebrity);

// The same request target with `cursor` replaced: the next page's link.
std::string with_cursor(const Request& req, const std::string& cursor);

projections::FindingsReader findings_of(Services& s);

}  // namespace starlog::api
