// CORS (Fetch standard) for browser frontends on other origins, enabled per
// origin with `starlog serve --cors-origin ORIGIN` (repeatable; "*" allows
// any origin). Without it a browser page on another origin cannot read
// answers; curl and servers are unaffected either way.
//
// For an allowed Origin, every answer (reads, writes, errors, the live feed)
// carries Access-Control-Allow-Origin and Access-Control-Expose-Headers
// (ETag, Link, Location, Retry-After, WWW-Authenticate), so pages can
// revalidate with If-None-Match and read problem details. No credentials
// mode: tokens travel in the Authorization header, never in cookies.
//
// OPTIONS on a known path is answered here, never by a route handler:
//  - a preflight (Origin and Access-Control-Request-Method) from an allowed
//    origin: 204 with Access-Control-Allow-Methods (the path's methods),
//    -Allow-Headers (kAllowedRequestHeaders), -Max-Age;
//  - a preflight from any other origin: 403 cors-origin-not-allowed;
//  - a plain OPTIONS: 204 with Allow.
// An unknown path stays 404.
//
// Thread-safe after construction (const).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/router.h"

namespace starlog::api {

inline constexpr std::string_view kAllowedRequestHeaders =
    "Authorization, Content-Type, If-Match, If-None-Match, Last-Event-ID";
inline constexpr std::string_view kExposedHeaders =
    "ETag, Link, Location, Retry-After, WWW-Authenticate";

class Cors {
 public:
  // nullopt when `origin` is neither "*" nor a serialized origin
  // (http[s]://host[:port], no path); a trailing '/' is dropped.
  static std::optional<std::string> normalize_origin(std::string_view origin);

  // REQUIRES: each of `origins` normalized.
  explicit Cors(std::vector<std::string> origins = {});

  bool enabled() const { return !origins_.empty() || any_; }
  // The Access-Control-Allow-Origin value for this Origin, nullopt when it is
  // not allowed (or absent).
  std::optional<std::string> allow_origin(std::string_view origin) const;

  // The answer to an OPTIONS request (see above); nullopt for other methods.
  std::optional<Response> options(const Request& req, const Router& router) const;

  // Adds the CORS headers for `req`'s Origin to an answer's header.
  void decorate(const Request& req, http::response_header<>& res) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace starlog::api
