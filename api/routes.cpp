#include "api/routes.h"

#include "api/route_handlers.h"
#include "domain/access.h"

namespace starlog::api {

void add_routes(Router& router, Services& s) {
  using domain::Permission;  // what each route needs: see domain/access.h
  auto bind = [&s](Response (*fn)(Services&, const Request&, const RouteParams&)) {
    return [&s, fn](const Request& req, const RouteParams& p) { return fn(s, req, p); };
  };
  router.add(http::verb::post, "/v1/celebrities/{id}/events", Permission::append,
             bind(append_events));
  router.add(http::verb::get, "/v1/celebrities/{id}/events", Permission::read, bind(get_stream));
  router.add(http::verb::get, "/v1/celebrities", Permission::read, bind(get_directory));
  router.add(http::verb::get, "/v1/celebrities/{id}", Permission::read, bind(get_profile));
  router.add(http::verb::get, "/v1/celebrities/{id}/timeline", Permission::read,
             bind(get_timeline));
  router.add(http::verb::get, "/v1/facts/{fact_id}", Permission::read, bind(get_fact));
  router.add(
      http::verb::get, "/v1/celebrities/{id}/findings", Permission::read,
      [&s](const Request& req, const RouteParams& p) { return get_findings(s, req, p, true); });
  router.add(
      http::verb::get, "/v1/findings", Permission::read,
      [&s](const Request& req, const RouteParams& p) { return get_findings(s, req, p, false); });
  router.add(http::verb::get, "/v1/events", Permission::read, bind(get_log));
  router.add(http::verb::get, "/healthz", Permission::none,
             [](const Request& req, const RouteParams&) {
               return json_response(http::status::ok, Json{{"status", "ok"}}, req);
             });
  router.add(http::verb::get, "/readyz", Permission::none,
             [&s](const Request& req, const RouteParams&) { return readiness(s, req); });
}

}  // namespace starlog::api
