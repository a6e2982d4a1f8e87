#include "api/auth.h"

#include <string>

#include "api/problem.h"

namespace starlog::api {
namespace {

using domain::Permission;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The secret of "Bearer <secret>" (scheme case-insensitive, RFC 9110 §11.1),
// or nullopt when the header has another shape.
std::optional<std::string_view> bearer_secret(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "Bearer"))
    return std::nullopt;
  std::string_view secret = header.substr(space + 1);
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  if (secret.empty()) return std::nullopt;
  return secret;
}

std::string what_needs(Permission p) {
  switch (p) {
    case Permission::append:
      return "appending events needs an editor or admin token";
    case Permission::audit:
      return "audit reads (including as_of and as_of_position) need an auditor or admin token";
    case Permission::admin:
      return "this operation needs an admin token";
    case Permission::read:
    case Permission::none:
      break;
  }
  return "this server is private: reads need a token";
}

}  // namespace

Response unauthorized(const Request& req, std::string detail, bool invalid_token) {
  Response res = problem(ProblemType::unauthorized, std::move(detail), req);
  res.set(http::field::www_authenticate,
          invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer");
  return res;
}

Response forbidden(const Request& req, std::string detail) {
  Response res = problem(ProblemType::forbidden, std::move(detail), req);
  res.set(http::field::www_authenticate, "Bearer error=\"insufficient_scope\"");
  return res;
}

Permission Authenticator::effective_permission(Permission route_needs, const RouteParams& params) {
  if (route_needs == Permission::read &&
      (params.query.count("as_of") > 0 || params.query.count("as_of_position") > 0))
    return Permission::audit;
  return route_needs;
}

std::optional<Response> Authenticator::check(const Request& req, Permission needed,
                                             RouteParams& params) const {
  if (needed == Permission::none) return std::nullopt;
  needed = effective_permission(needed, params);

  const auto headers = req.equal_range(http::field::authorization);
  if (headers.first == headers.second) {
    if (needed == Permission::read && !options_.private_reads) return std::nullopt;
    return unauthorized(req, what_needs(needed) + "; send Authorization: Bearer <token>", false);
  }
  if (std::next(headers.first) != headers.second)
    return unauthorized(req, "send one Authorization header, not several", true);

  const auto secret = bearer_secret(headers.first->value());
  if (!secret) return unauthorized(req, "the Authorization header must be Bearer <token>", true);
  if (!domain::looks_like_secret(*secret))
    return unauthorized(req, "the bearer token is not a Starlog token", true);

  const std::string hash = domain::secret_hash(*secret);
  auto found = tokens_.find_by_hash(hash);
  if (!found.ok()) return problem_from_status(found.status(), req);
  if (!found->has_value() || !domain::constant_time_equal((*found)->secret_sha256, hash))
    return unauthorized(req, "the bearer token is unknown", true);
  const store::TokenInfo& token = (*found)->info;
  if (token.revoked()) return unauthorized(req, "the bearer token was revoked", true);

  if (!domain::allows(token.role, needed))
    return forbidden(req, what_needs(needed) + "; token '" + token.name + "' has the role " +
                              std::string(domain::to_string(token.role)));
  params.principal = domain::Principal{token.name, token.role};
  return std::nullopt;
}

RouteGuard Authenticator::guard() const {
  return [this](const Request& req, Permission needed, RouteParams& params) {
    return check(req, needed, params);
  };
}

}  // namespace starlog::api
