// Authenticator: the Router's guard (api/router.h) for docs/events.md#roles-and-tokens.
//
// Given the Permission a route needs (domain/access.h) and the request:
//  1. Permission::none (health, metrics, openapi): passes; the
//     Authorization header is not even looked at.
//  2. A read that asks for the past (`as_of` or `as_of_position` in the
//     query, on any route) needs Permission::audit instead of read.
//  3. An Authorization header, if present, must be `Bearer <secret>` naming
//     a known, unrevoked token; otherwise 401 `unauthorized` with
//     `WWW-Authenticate: Bearer error="invalid_token"` — also on a read
//     that would have been allowed anonymously, since a client that sends a
//     credential wants to know it is bad.
//  4. No header: anonymous. Anonymous callers may read unless the server is
//     private; for anything else 401 `unauthorized` with
//     `WWW-Authenticate: Bearer`.
//  5. A valid token whose role lacks the permission: 403 `forbidden` (with
//     `WWW-Authenticate: Bearer error="insufficient_scope"`, RFC 6750 §3.1).
//  6. Otherwise the request passes with RouteParams::principal = the token's
//     name and role.
// A failing token store fails closed (5xx problem, never a pass).
//
// Secrets: only their SHA-256 is looked up (the store's index), and the hash
// read back is compared with CRYPTO_memcmp. Neither the header nor the secret
// is ever logged or echoed in a problem. Each request asks the store (no
// cache), so a revocation, even by another process, applies to the next
// request.
//
// Thread-safe: const, and the TokenStore is thread-safe.
#pragma once

#include <optional>

#include "api/http.h"
#include "api/router.h"
#include "domain/access.h"
#include "store/token_store.h"

namespace starlog::api {

struct AuthOptions {
  bool private_reads = false;  // `serve --private`: reads need a token too
};

class Authenticator {
 public:
  // `tokens` must outlive the Authenticator.
  Authenticator(store::TokenStore& tokens, AuthOptions options)
      : tokens_(tokens), options_(options) {}

  // The RouteGuard: see the numbered rules above.
  std::optional<Response> check(const Request& req, domain::Permission needed,
                                RouteParams& params) const;

  // check() as a RouteGuard for Router::set_guard. The Authenticator must
  // outlive the router.
  RouteGuard guard() const;

  // The permission a request to a route needing `route_needs` really needs
  // (rule 2).
  static domain::Permission effective_permission(domain::Permission route_needs,
                                                 const RouteParams& params);

 private:
  store::TokenStore& tokens_;
  AuthOptions options_;
};

// 401 problem "unauthorized" with `WWW-Authenticate: Bearer`, plus
// ` error="invalid_token"` when `invalid_token`.
Response unauthorized(const Request& req, std::string detail, bool invalid_token);
// 403 problem "forbidden".
Response forbidden(const Request& req, std::string detail);

}  // namespace starlog::api
