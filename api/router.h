// Router: maps (method, path) to a RouteHandler.
//
// Patterns are origin-form paths whose segments are literals or "{name}"
// parameters: "/v1/celebrities/{id}/events". Matching is by whole segments
// on the percent-decoded path (the query string plays no part):
//  - Of the patterns that match a path, the most specific wins: comparing
//    segment by segment from the left, a literal beats a parameter, so
//    "/v1/events/live" wins over "/v1/events/{id}".
//  - The method then picks the handler from the most specific matching
//    pattern that has one for it. HEAD is served by the GET handler (body
//    dropped, Content-Length kept) unless a HEAD route exists.
//  - No pattern matches: 404 "not-found". Patterns match but none has the
//    method: 405 "method-not-allowed" with `Allow` listing every method that
//    would succeed on that path (HEAD wherever GET is).
//  - A query string that does not parse: 400 "invalid-parameter" (see
//    api/query.h), before any handler runs.
//  - Every route states the Permission it needs (domain/access.h). After the
//    route and method are found and the query parses, the guard (see
//    set_guard; api/auth.h has the real one) decides: it either fills
//    RouteParams::principal and lets the handler run, or answers itself
//    (401/403). Without a guard only Permission::none routes run; anything
//    else is 401, so a router that was never given a guard fails closed.
//  - An exception escaping a handler: 500 "internal-error", logged to stderr
//    with method and path only (never the body or query, which may carry
//    personal data), never a crash.
//
// Threads: add() during set-up only; after that, dispatch() and routes() are
// const and may run concurrently from any number of threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "api/query.h"
#include "domain/access.h"

namespace starlog::api {

// What a matched route hands its handler; valid for the duration of the call.
struct RouteParams {
  std::map<std::string, std::string, std::less<>> path;  // decoded, by pattern name
  QueryParams query;                                     // decoded (api/query.h)
  // Who is calling, as the guard established; nullopt: anonymous.
  std::optional<domain::Principal> principal;

  // The path parameter `name`. REQUIRES: the route's pattern declares it
  // (throws std::out_of_range otherwise, which the router turns into a 500).
  const std::string& param(std::string_view name) const;
  // The query parameter `name`, if given.
  std::optional<std::string> query_value(std::string_view name) const;
};

using RouteHandler = std::function<Response(const Request&, const RouteParams&)>;
// Decides whether a request may reach a route that needs `needed`: nullopt
// lets it through (with params.principal set for a known caller), a Response
// (401/403) answers instead. Must be thread-safe.
using RouteGuard =
    std::function<std::optional<Response>(const Request&, domain::Permission needed, RouteParams&)>;

class Router {
 public:
  // Registers `handler` for `method` on `pattern`. Throws std::invalid_argument
  // on a malformed pattern (not starting with '/', empty or unbalanced "{}",
  // a parameter name used twice) and std::logic_error when the same method is
  // already registered on a pattern of the same shape ("/a/{x}" and "/a/{y}"),
  // which would make dispatch ambiguous. `needed` is what the guard checks
  // before `handler` runs.
  void add(http::verb method, std::string pattern, domain::Permission needed, RouteHandler handler);

  // The guard for every route. REQUIRES: during set-up, like add().
  void set_guard(RouteGuard guard) { guard_ = std::move(guard); }

  // Answers `req`; never throws.
  Response dispatch(const Request& req) const;

  // The pattern of the route that dispatch() would run for `req` (HEAD falls
  // back to GET), or "" when none would (404, 405, malformed path). For
  // labelling metrics and logs; never throws.
  std::string route_of(const Request& req) const;

  // Every (method, pattern) added, in registration order; implicit HEAD
  // routes are not listed.
  std::vector<std::pair<http::verb, std::string>> routes() const;
  // The Permission of the route `method pattern` (as added), if there is one.
  std::optional<domain::Permission> permission(http::verb method, std::string_view pattern) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter name
    bool is_param = false;
  };
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<Segment> segments;
    domain::Permission needed;
    RouteHandler handler;
  };

  Response dispatch_unchecked(const Request& req) const;
  static std::vector<Segment> parse_pattern(const std::string& pattern);
  static bool matches(const Route& route, const std::vector<std::string>& path);
  // Negative when `a` is more specific than `b`, 0 for the same shape.
  static int compare_specificity(const Route& a, const Route& b);

  std::vector<Route> routes_;
  RouteGuard guard_;
};

}  // namespace starlog::api
