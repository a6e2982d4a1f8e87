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

#include <string>
#include <string_view>

#include "api/http.h"
#include "domain/json.h"
#include "domain/status.h"

namespace starlog::api {

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr std::string_view kProblemTypeBase = "https://starlog.dev/problems/";

// A problem response. `extra` (an object, or null for none) adds extension
// members; it cannot override type/title/status/detail.
Response problem(http::status status, std::string type_slug, std::string title, std::string detail,
                 unsigned version, bool keep_alive, Json extra = nullptr);

// The same, answering `req` (its HTTP version and keep-alive wish).
Response problem(http::status status, std::string type_slug, std::string title, std::string detail,
                 const Request& req, Json extra = nullptr);

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
