// RFC 9457 problem details: the one shape of every error the API returns.
//
// Body: {"type": "https://starlog.dev/problems/<slug>", "title", "status",
// "detail", ...extension members}, Content-Type application/problem+json.
// The slug is the stable, machine-readable part; title and detail are for
// people and may change wording.
//
// problem_from_status() is THE place where a core starlog::Status becomes an
// HTTP status; nothing else in the code base maps Code to http::status.
//
// All functions are pure and thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "api/http.h"
#include "domain/json.h"
#include "domain/status.h"

namespace starlog::api {

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr std::string_view kProblemTypeBase = "https://starlog.dev/problems/";

// Every kind of problem the API answers with, in one table (problem.cpp):
// its HTTP status, its slug (the stable part of `type`) and its title. No
// other file pairs a slug with a status or a title; the OpenAPI document's
// ProblemType schema lists exactly these slugs (api/problem_test.cpp).
enum class ProblemType {
  malformed_request,        // 400
  invalid_parameter,        // 400, with {"parameter"}
  invalid_header,           // 400
  unauthorized,             // 401
  forbidden,                // 403
  cors_origin_not_allowed,  // 403
  not_found,                // 404
  method_not_allowed,       // 405
  conflict,                 // 409
  duplicate_event_id,       // 409
  taken_down,               // 410
  precondition_failed,      // 412, with {"expected", "actual"}
  payload_too_large,        // 413
  uri_too_long,             // 414
  unsupported_media_type,   // 415
  validation_failed,        // 422, with {"errors"}
  header_too_large,         // 431
  too_many_headers,         // 431
  internal_error,           // 500
  storage_corrupt,          // 500
  storage_error,            // 500
  live_feed_unavailable,    // 503
  not_ready,                // 503
  server_busy,              // 503
  store_unavailable,        // 503
  takedown_incomplete,      // 503
  storage_full,             // 507
};

struct ProblemInfo {
  ProblemType type;
  http::status status;
  std::string_view slug;
  std::string_view title;
};

// The table's row for `type`.
const ProblemInfo& problem_info(ProblemType type);
// Every row, in the enum's order.
std::span<const ProblemInfo> all_problem_types();

// A problem response of `type`. `extra` (an object, or null for none) adds
// extension members; it cannot override type/title/status/detail.
Response problem(ProblemType type, std::string detail, unsigned version, bool keep_alive,
                 Json extra = nullptr);

// The same, answering `req` (its HTTP version and keep-alive wish).
Response problem(ProblemType type, std::string detail, const Request& req, Json extra = nullptr);

// 404 "not-found": no resource at this path (an unknown celebrity, fact,
// projection or file).
Response not_found(std::string detail, const Request& req);

// 400 "invalid-parameter" with {"parameter": name}: a query parameter that is
// missing, repeated, out of range or unreadable.
Response invalid_parameter(std::string_view name, std::string detail, const Request& req);

// Maps a non-ok Status to its problem response:
//   malformed           400 malformed-request
//   invalid             422 validation-failed, errors: [{pointer, message}]
//   not_found           404 not-found
//   conflict            409 conflict
//   duplicate_id        409 duplicate-event-id
//   precondition_failed 412 precondition-failed, expected, actual
//                       (expected < 0 is rendered as the string "no stream":
//                       the client sent If-None-Match: *)
//   storage_full        507 storage-full
//   corrupt             500 storage-corrupt   } detail is generic; the message
//   io_error            500 storage-error     } goes to stderr, not the client
//   unavailable         503 store-unavailable, Retry-After: 1 (message to stderr)
// REQUIRES: !status.is_ok(). An ok Status is a caller bug and yields 500
// "internal-error" rather than a misleading success.
Response problem_from_status(const Status& status, const Request& req);

}  // namespace starlog::api
