#include "api/audit_routes.h"

#include "api/problem.h"
#include "domain/text.h"
#include "projections/audit.h"
#include "projections/time_travel.h"

namespace starlog::api {
namespace {

ManagedProjection* find(AuditServices& s, std::string_view name) {
  for (auto& m : s.projections)
    if (m.live.name() == name) return &m;
  return nullptr;
}

Response verify(AuditServices& s, const Request& req) {
  std::vector<projections::Projector*> live;
  for (auto& m : s.projections) live.push_back(&m.live);
  std::lock_guard lock(s.verify_mu);
  auto report = projections::verify(s.log, s.rows, live);
  if (!report.ok()) return problem_from_status(report.status(), req);
  Response res = json_response(http::status::ok, *report, req);
  res.set(http::field::cache_control, "no-store");
  return res;
}

Response list_projections(AuditServices& s, const Request& req) {
  Json out = Json::array();
  for (auto& m : s.projections) out.push_back(m.rebuilder.status());
  Response res = json_response(http::status::ok, out, req);
  res.set(http::field::cache_control, "no-store");
  return res;
}

Response rebuild(AuditServices& s, const Request& req, const RouteParams& p) {
  const std::string& name = p.param("name");
  ManagedProjection* m = find(s, name);
  if (!m) return not_found("no projection named '" + name + "'", req);
  projections::Rebuilder::Options options = s.rebuild_defaults;
  if (auto raw = p.query_value("max_rate")) {
    const double rate = domain::parse_number(*raw).value_or(0);
    if (!(rate > 0) || rate > 1e9)
      return invalid_parameter("max_rate",
                               "max_rate must be a positive number of events per second", req);
    options.max_rate = rate;
  }
  // A request while one runs joins it: the answer is the same 202.
  m->rebuilder.start("requested", options);
  Response res = json_response(http::status::accepted, m->rebuilder.status(), req);
  res.set(http::field::location, "/v1/projections");
  res.set(http::field::cache_control, "no-store");
  return res;
}

}  // namespace

bool wants_time_travel(const RouteParams& p) {
  return p.query_value("as_of").has_value() || p.query_value("as_of_position").has_value();
}

AsOf resolve_as_of(store::EventStore& log, const Request& req, const RouteParams& p) {
  const auto as_of = p.query_value("as_of");
  const auto as_of_position = p.query_value("as_of_position");
  if (as_of && as_of_position)
    return {0, invalid_parameter("as_of_position", "give either as_of or as_of_position, not both",
                                 req)};
  // The head first: whatever is appended from here on is not part of "then".
  const std::int64_t head = log.head();
  std::int64_t position = 0;
  if (as_of) {
    auto t = domain::parse_instant(*as_of);
    if (!t)
      return {0, invalid_parameter(
                     "as_of", "as_of must be an RFC 3339 instant, e.g. 2026-11-26T15:04:05Z", req)};
    auto at = log.position_at(*t);
    if (!at.ok()) return {0, problem_from_status(at.status(), req)};
    position = std::min(*at, head);
  } else {
    const std::int64_t n = domain::parse_int64(*as_of_position).value_or(-1);
    if (n < 0)
      return {0, invalid_parameter("as_of_position",
                                   "as_of_position must be a log position (an integer >= 0)", req)};
    if (n > head)
      return {0, invalid_parameter("as_of_position",
                                   "as_of_position " + std::to_string(n) +
                                       " is beyond the log's head (" + std::to_string(head) + ")",
                                   req)};
    position = n;
  }
  return {position, std::nullopt};
}

void add_audit_routes(Router& router, AuditServices& s) {
  router.add(http::verb::get, "/v1/audit/verify", domain::Permission::audit,
             [&s](const Request& req, const RouteParams&) { return verify(s, req); });
  router.add(http::verb::get, "/v1/projections", domain::Permission::read,
             [&s](const Request& req, const RouteParams&) { return list_projections(s, req); });
  router.add(http::verb::post, "/v1/projections/{name}/rebuild", domain::Permission::admin,
             [&s](const Request& req, const RouteParams& p) { return rebuild(s, req, p); });
}

}  // namespace starlog::api
