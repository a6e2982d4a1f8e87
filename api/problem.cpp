#include "api/problem.h"

#include <iostream>
#include <utility>

namespace starlog::api {

namespace {

constexpr ProblemInfo kProblems[] = {
    {ProblemType::malformed_request, http::status::bad_request, "malformed-request",
     "Malformed request"},
    {ProblemType::invalid_parameter, http::status::bad_request, "invalid-parameter",
     "Invalid query parameter"},
    {ProblemType::invalid_header, http::status::bad_request, "invalid-header", "Invalid header"},
    {ProblemType::unauthorized, http::status::unauthorized, "unauthorized", "Unauthorized"},
    {ProblemType::forbidden, http::status::forbidden, "forbidden", "Forbidden"},
    {ProblemType::cors_origin_not_allowed, http::status::forbidden, "cors-origin-not-allowed",
     "Origin not allowed"},
    {ProblemType::not_found, http::status::not_found, "not-found", "Not found"},
    {ProblemType::method_not_allowed, http::status::method_not_allowed, "method-not-allowed",
     "Method not allowed"},
    {ProblemType::conflict, http::status::conflict, "conflict", "Conflict"},
    {ProblemType::duplicate_event_id, http::status::conflict, "duplicate-event-id",
     "Duplicate event id"},
    {ProblemType::taken_down, http::status::gone, "taken-down", "Taken down"},
    {ProblemType::precondition_failed, http::status::precondition_failed, "precondition-failed",
     "Precondition failed"},
    {ProblemType::payload_too_large, http::status::payload_too_large, "payload-too-large",
     "Payload too large"},
    {ProblemType::uri_too_long, http::status::uri_too_long, "uri-too-long", "URI too long"},
    {ProblemType::unsupported_media_type, http::status::unsupported_media_type,
     "unsupported-media-type", "Unsupported media type"},
    {ProblemType::validation_failed, http::status::unprocessable_entity, "validation-failed",
     "Validation failed"},
    {ProblemType::header_too_large, http::status::request_header_fields_too_large,
     "header-too-large", "Request header too large"},
    {ProblemType::too_many_headers, http::status::request_header_fields_too_large,
     "too-many-headers", "Too many header fields"},
    {ProblemType::internal_error, http::status::internal_server_error, "internal-error",
     "Internal error"},
    {ProblemType::storage_corrupt, http::status::internal_server_error, "storage-corrupt",
     "Storage corrupt"},
    {ProblemType::storage_error, http::status::internal_server_error, "storage-error",
     "Storage error"},
    {ProblemType::live_feed_unavailable, http::status::service_unavailable, "live-feed-unavailable",
     "Live feed unavailable"},
    {ProblemType::not_ready, http::status::service_unavailable, "not-ready", "Not ready"},
    {ProblemType::server_busy, http::status::service_unavailable, "server-busy", "Server busy"},
    {ProblemType::store_unavailable, http::status::service_unavailable, "store-unavailable",
     "Store unavailable"},
    {ProblemType::takedown_incomplete, http::status::service_unavailable, "takedown-incomplete",
     "Takedown incomplete"},
    {ProblemType::storage_full, http::status::insufficient_storage, "storage-full", "Storage full"},
};

// The rows are in the enum's order, so a lookup is an index.
constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kProblems); ++i) {
    if (static_cast<std::size_t>(kProblems[i].type) != i) return false;
  }
  return std::size(kProblems) == static_cast<std::size_t>(ProblemType::storage_full) + 1;
}
static_assert(rows_in_enum_order(), "kProblems must list every ProblemType in enum order");

}  // namespace

const ProblemInfo& problem_info(ProblemType type) {
  return kProblems[static_cast<std::size_t>(type)];
}

std::span<const ProblemInfo> all_problem_types() { return kProblems; }

Response problem(ProblemType type, std::string detail, unsigned version, bool keep_alive,
                 Json extra) {
  const ProblemInfo& info = problem_info(type);
  Json body = extra.is_object() ? std::move(extra) : Json::object();
  std::string uri(kProblemTypeBase);
  uri += info.slug;
  body["type"] = std::move(uri);
  body["title"] = std::string(info.title);
  body["status"] = static_cast<unsigned>(info.status);
  body["detail"] = std::move(detail);
  Response res = json_response(info.status, body, version, keep_alive);
  res.set(http::field::content_type, kProblemContentType);
  return res;
}

Response problem(ProblemType type, std::string detail, const Request& req, Json extra) {
  return problem(type, std::move(detail), req.version(), req.keep_alive(), std::move(extra));
}

Response not_found(std::string detail, const Request& req) {
  return problem(ProblemType::not_found, std::move(detail), req);
}

Response invalid_parameter(std::string_view name, std::string detail, const Request& req) {
  return problem(ProblemType::invalid_parameter, std::move(detail), req,
                 Json{{"parameter", std::string(name)}});
}

namespace {

// Storage failures carry file names and SQLite wording that help an operator
// and mean nothing to (or leak internals to) a client: log, answer generically.
Response storage_failure(ProblemType type, const Status& status, const Request& req) {
  std::cerr << "starlog: " << problem_info(type).slug << " while serving " << req.method_string()
            << ' ' << req.target().substr(0, req.target().find('?')) << ": " << status.message()
            << '\n';
  return problem(type, "The storage failed while serving this request; the error was logged.", req);
}

}  // namespace

Response problem_from_status(const Status& status, const Request& req) {
  switch (status.code()) {
    case Code::malformed:
      return problem(ProblemType::malformed_request, status.message(), req);
    case Code::invalid: {
      Json errors = Json::array();
      for (const FieldError& e : status.errors()) {
        errors.push_back({{"pointer", e.pointer}, {"message", e.message}});
      }
      return problem(ProblemType::validation_failed, status.message(), req,
                     Json{{"errors", std::move(errors)}});
    }
    case Code::not_found:
      return not_found(status.message(), req);
    case Code::conflict:
      return problem(ProblemType::conflict, status.message(), req);
    case Code::duplicate_id:
      return problem(ProblemType::duplicate_event_id, status.message(), req);
    case Code::precondition_failed: {
      // A negative expected version is how the core spells If-None-Match: *;
      // a client reads "no stream" more easily than a sentinel number.
      Json expected = status.expected() < 0 ? Json("no stream") : Json(status.expected());
      return problem(ProblemType::precondition_failed, status.message(), req,
                     Json{{"expected", std::move(expected)}, {"actual", status.actual()}});
    }
    case Code::storage_full:
      // The store's message names SQL; the client needs only what happened.
      return problem(ProblemType::storage_full,
                     "The store is out of space (disk full or --max-db-size reached); "
                     "nothing of this request was written. Retry once space is freed.",
                     req);
    case Code::corrupt:
      return storage_failure(ProblemType::storage_corrupt, status, req);
    case Code::io_error:
      return storage_failure(ProblemType::storage_error, status, req);
    case Code::unavailable: {
      std::cerr << "starlog: " << req.method_string() << ' '
                << req.target().substr(0, req.target().find('?')) << ": " << status.message()
                << '\n';
      Response res = problem(
          ProblemType::store_unavailable,
          "The database cannot be reached right now. If this was an append, it may or may not "
          "have been stored: send the same request again (same event ids) once the store is "
          "back; it is stored at most once.",
          req);
      res.set(http::field::retry_after, "1");
      return res;
    }
    case Code::ok:
      break;
  }
  std::cerr << "starlog: problem_from_status called with an ok Status for " << req.method_string()
            << ' ' << req.target().substr(0, req.target().find('?')) << '\n';
  return problem(ProblemType::internal_error,
                 "The server failed to answer this request; the error was logged.", req);
}

}  // namespace starlog::api
