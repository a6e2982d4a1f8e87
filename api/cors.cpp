#include "api/cors.h"

#include <algorithm>
#include <cctype>

#include "api/problem.h"

namespace starlog::api {
namespace {}  // namespace

std::optional<std::string> Cors::normalize_origin(std::string_view origin) {
  if (origin == "*") return std::string(origin);
  std::string o(origin);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!o.empty() && o.back() == '/') o.pop_back();
  std::string_view rest = o;
  if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else
    return std::nullopt;
  if (rest.empty()) return std::nullopt;
  for (char c : rest) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) return std::nullopt;
  }
  return o;
}

Cors::Cors(std::vector<std::string> origins) {
  for (auto& o : origins) {
    if (o == "*")
      any_ = true;
    else
      origins_.push_back(std::move(o));
  }
}

std::optional<std::string> Cors::allow_origin(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  if (any_) return std::string("*");
  std::string o(origin);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (std::find(origins_.begin(), origins_.end(), o) != origins_.end()) return std::string(origin);
  return std::nullopt;
}

void Cors::decorate(const Request& req, http::response_header<>& res) const {
  if (!enabled()) return;
  // The answer depends on Origin unless every origin gets the same one.
  if (!any_) add_vary(res, "Origin");
  const auto allowed = allow_origin(req[http::field::origin]);
  if (!allowed) return;
  res.set(http::field::access_control_allow_origin, *allowed);
  res.set(http::field::access_control_expose_headers, kExposedHeaders);
}

std::optional<Response> Cors::options(const Request& req, const Router& router) const {
  if (req.method() != http::verb::options) return std::nullopt;
  // The router knows which methods the path has: no route takes OPTIONS, so
  // it answers 404 for an unknown path and 405 with Allow otherwise.
  Request probe{http::verb::options, req.target(), req.version()};
  Response routed = router.dispatch(probe);
  if (routed.result() != http::status::method_not_allowed) {
    routed.keep_alive(req.keep_alive());
    decorate(req, routed);
    return routed;
  }
  std::string allow(routed[http::field::allow]);
  allow += allow.empty() ? "OPTIONS" : ", OPTIONS";

  const std::string_view origin = req[http::field::origin];
  const bool preflight =
      !origin.empty() && req.find(http::field::access_control_request_method) != req.end();
  if (preflight && !allow_origin(origin)) {
    Response res = problem(ProblemType::cors_origin_not_allowed,
                           "Browser pages from " + std::string(origin) +
                               " may not call this API; start the server with --cors-origin " +
                               std::string(origin) + ".",
                           req);
    decorate(req, res);
    return res;
  }
  Response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::allow, allow);
  if (preflight) {
    res.set(http::field::access_control_allow_methods, allow);
    res.set(http::field::access_control_allow_headers, kAllowedRequestHeaders);
    res.set(http::field::access_control_max_age, "600");
    add_vary(res, "Access-Control-Request-Method");
    add_vary(res, "Access-Control-Request-Headers");
  }
  decorate(req, res);
  return res;
}

}  // namespace starlog::api
