#include "api/route_support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "api/audit_routes.h"
#include "api/auth.h"
#include "api/caching.h"
#include "api/json_guard.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "domain/access.h"
#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/hash_chain.h"
#include "domain/text.h"
#include "domain/uuid.h"
#include "projections/findings.h"
#include "projections/findings_reader.h"
#include "projections/time_travel.h"
#include "projections/timeline_projection.h"
#include "projections/timelinejs.h"

namespace starlog::api {

using domain::Millis;

IntParam int_param(const Request& req, const RouteParams& p, std::string_view name,
                   std::int64_t def, std::int64_t lo, std::int64_t hi) {
  auto raw = p.query_value(name);
  if (!raw) return {def, std::nullopt};
  const auto v = domain::parse_int64(*raw, lo, hi);
  if (!v) {
    return {0, invalid_parameter(name,
                                 std::string(name) + " must be an integer from " +
                                     std::to_string(lo) + " to " + std::to_string(hi),
                                 req)};
  }
  return {*v, std::nullopt};
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Response unknown_celebrity(const Request& req, std::string_view id) {
  return not_found("no celebrity with id '" + std::string(id) + "'", req);
}

// Read-your-writes when appends are folded in the background: waits until
// the projection reflects every append answered before this read began.
// After Services::kFoldWait (a fold held up, e.g. by a full disk) the read
// is served from the rows as they are; its answer names their position.
void await_fold(Services& s) {
  if (s.follower) s.follower->wait_for(s.log.head(), Services::kFoldWait);
}

Revision revision_of(Services& s, const Request& req, std::string_view celebrity) {
  auto r = s.reader.revision(celebrity);
  if (!r.ok()) return {0, problem_from_status(r.status(), req)};
  if (!r->has_value()) return {0, unknown_celebrity(req, celebrity)};
  return {**r, std::nullopt};
}

// The same request target with `cursor` replaced: the next page's link.
std::string with_cursor(const Request& req, const std::string& cursor) {
  const Target t = split_target(req.target());
  std::string out(t.path);
  char sep = '?';
  std::string_view q = t.query;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    if (!pair.empty() && pair.substr(0, pair.find('=')) != "cursor") {
      out += sep;
      out += pair;
      sep = '&';
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  out += sep;
  out += "cursor=";
  out += cursor;
  return out;
}

projections::FindingsReader findings_of(Services& s) {
  return projections::FindingsReader(s.reader.store(), s.reader.projection());
}

}  // namespace starlog::api
