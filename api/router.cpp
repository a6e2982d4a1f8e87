#include "api/router.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <set>
#include <stdexcept>

#include "api/problem.h"

namespace starlog::api {

const std::string& RouteParams::param(std::string_view name) const {
  const auto it = path.find(name);
  if (it == path.end()) {
    throw std::out_of_range("route has no path parameter '" + std::string(name) + "'");
  }
  return it->second;
}

std::optional<std::string> RouteParams::query_value(std::string_view name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<Router::Segment> Router::parse_pattern(const std::string& pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  std::vector<Segment> segments;
  std::set<std::string, std::less<>> names;
  if (pattern.size() == 1) return segments;
  std::size_t start = 1;
  for (;;) {
    auto end = pattern.find('/', start);
    if (end == std::string::npos) end = pattern.size();
    const std::string text = pattern.substr(start, end - start);
    if (text.find_first_of("{}") != std::string::npos) {
      if (text.size() < 3 || text.front() != '{' || text.back() != '}' ||
          text.substr(1, text.size() - 2).find_first_of("{}") != std::string::npos) {
        throw std::invalid_argument("bad parameter segment '" + text + "' in " + pattern);
      }
      std::string name = text.substr(1, text.size() - 2);
      if (!names.insert(name).second) {
        throw std::invalid_argument("parameter '" + name + "' used twice in " + pattern);
      }
      segments.push_back({std::move(name), true});
    } else {
      segments.push_back({text, false});
    }
    if (end == pattern.size()) break;
    start = end + 1;
  }
  return segments;
}

void Router::add(http::verb method, std::string pattern, domain::Permission needed,
                 RouteHandler handler) {
  Route route{method, std::move(pattern), {}, needed, std::move(handler)};
  route.segments = parse_pattern(route.pattern);
  for (const Route& other : routes_) {
    if (other.method == method && other.segments.size() == route.segments.size() &&
        compare_specificity(other, route) == 0) {
      throw std::logic_error("route " + std::string(http::to_string(method)) + ' ' + route.pattern +
                             " clashes with " + other.pattern);
    }
  }
  routes_.push_back(std::move(route));
}

std::vector<std::pair<http::verb, std::string>> Router::routes() const {
  std::vector<std::pair<http::verb, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

std::optional<domain::Permission> Router::permission(http::verb method,
                                                     std::string_view pattern) const {
  for (const Route& r : routes_)
    if (r.method == method && r.pattern == pattern) return r.needed;
  return std::nullopt;
}

bool Router::matches(const Route& route, const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Segment& s = route.segments[i];
    // A parameter never matches an empty segment: "/v1/celebrities//events"
    // is a sloppy path, not a celebrity with the empty id.
    if (s.is_param ? path[i].empty() : s.text != path[i]) return false;
  }
  return true;
}

int Router::compare_specificity(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    const Segment& x = a.segments[i];
    const Segment& y = b.segments[i];
    if (x.is_param != y.is_param) return x.is_param ? 1 : -1;
    if (!x.is_param && x.text != y.text) return x.text < y.text ? -1 : 1;
  }
  return 0;
}

Response Router::dispatch(const Request& req) const {
  try {
    return dispatch_unchecked(req);
  } catch (const std::exception& e) {
    std::cerr << "starlog: internal error on " << req.method_string() << ' '
              << split_target(req.target()).path << ": " << e.what() << '\n';
  } catch (...) {
    std::cerr << "starlog: internal error on " << req.method_string() << ' '
              << split_target(req.target()).path << ": unknown exception\n";
  }
  try {
    return problem(ProblemType::internal_error,
                   "The server failed to answer this request; the error was logged.", req);
  } catch (...) {
    // Only allocation can fail here; a bare 500 is still better than a crash.
    Response res{http::status::internal_server_error, req.version()};
    res.keep_alive(false);
    return res;
  }
}

std::string Router::route_of(const Request& req) const {
  try {
    const auto path = split_path(split_target(req.target()).path);
    if (!path) return {};
    const Route* best = nullptr;
    for (const http::verb m : {req.method(), http::verb::get}) {
      for (const Route& r : routes_) {
        if (r.method == m && matches(r, *path) && (!best || compare_specificity(r, *best) < 0))
          best = &r;
      }
      if (best || req.method() != http::verb::head) break;
    }
    return best ? best->pattern : std::string();
  } catch (...) {
    return {};
  }
}

Response Router::dispatch_unchecked(const Request& req) const {
  const Target target = split_target(req.target());
  const auto path = split_path(target.path);
  if (!path) {
    return problem(ProblemType::malformed_request,
                   "The request path is not a valid percent-encoded UTF-8 path.", req);
  }

  std::vector<const Route*> candidates;
  for (const Route& r : routes_) {
    if (matches(r, *path)) candidates.push_back(&r);
  }
  if (candidates.empty()) {
    return not_found("There is no resource at " + std::string(target.path) + ".", req);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Route* a, const Route* b) { return compare_specificity(*a, *b) < 0; });

  const http::verb method = req.method();
  auto find = [&](http::verb m) -> const Route* {
    for (const Route* r : candidates) {
      if (r->method == m) return r;
    }
    return nullptr;
  };
  const Route* route = find(method);
  const bool implicit_head = !route && method == http::verb::head;
  if (implicit_head) route = find(http::verb::get);

  if (!route) {
    std::set<std::string_view> allowed;
    for (const Route* r : candidates) {
      allowed.insert(http::to_string(r->method));
      if (r->method == http::verb::get) allowed.insert(http::to_string(http::verb::head));
    }
    std::string allow;
    for (std::string_view m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    Response res = problem(ProblemType::method_not_allowed,
                           std::string(req.method_string()) + " is not allowed on " +
                               std::string(target.path) + "; allowed: " + allow + ".",
                           req);
    res.set(http::field::allow, allow);
    return res;
  }

  ParsedQuery query = parse_query(target.query);
  if (!query.ok()) return invalid_parameter(query.error->parameter, query.error->message, req);

  RouteParams params;
  params.query = std::move(query.params);
  for (std::size_t i = 0; i < route->segments.size(); ++i) {
    if (route->segments[i].is_param) params.path.emplace(route->segments[i].text, (*path)[i]);
  }
  std::optional<Response> denied;
  if (guard_) {
    denied = guard_(req, route->needed, params);
  } else if (route->needed != domain::Permission::none) {
    denied = problem(ProblemType::unauthorized,
                     "This server checks no credentials, so it serves no protected route.", req);
    denied->set(http::field::www_authenticate, "Bearer");
  }

  Response res = denied ? std::move(*denied) : route->handler(req, params);
  if (implicit_head) {
    // HEAD tells the client what GET would send, minus the body.
    if (!res.has_content_length() && !res.chunked()) res.prepare_payload();
    res.body().clear();
  }
  return res;
}

}  // namespace starlog::api
