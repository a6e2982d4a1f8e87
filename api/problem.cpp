#include "api/problem.h"

#include <iostream>
#include <utility>

namespace starlog::api {

Response problem(http::status status, std::string type_slug, std::string title, std::string detail,
                 unsigned version, bool keep_alive, Json extra) {
  Json body = extra.is_object() ? std::move(extra) : Json::object();
  body["type"] = std::string(kProblemTypeBase) + type_slug;
  body["title"] = std::move(title);
  body["status"] = static_cast<unsigned>(status);
  body["detail"] = std::move(detail);
  Response res = json_response(status, body, version, keep_alive);
  res.set(http::field::content_type, kProblemContentType);
  return res;
}

Response problem(http::status status, std::string type_slug, std::string title, std::string detail,
                 const Request& req, Json extra) {
  return problem(status, std::move(type_slug), std::move(title), std::move(detail), req.version(),
                 req.keep_alive(), std::move(extra));
}

Response invalid_parameter(std::string_view name, std::string detail, const Request& req) {
  return problem(http::status::bad_request, "invalid-parameter", "Invalid query parameter",
                 std::move(detail), req, Json{{"parameter", std::string(name)}});
}

namespace {

// Storage failures carry file names and SQLite wording that help an operator
// and mean nothing to (or leak internals to) a client: log, answer generically.
Response storage_failure(std::string_view slug, std::string_view title, const Status& status,
                         const Request& req) {
  std::cerr << "starlog: " << slug << " while serving " << req.method_string() << ' '
            << req.target().substr(0, req.target().find('?')) << ": " << status.message() << '\n';
  return problem(http::status::internal_server_error, std::string(slug), std::string(title),
                 "The storage failed while serving this request; the error was logged.", req);
}

}  // namespace

Response problem_from_status(const Status& status, const Request& req) {
  switch (status.code()) {
    case Code::malformed:
      return problem(http::status::bad_request, "malformed-request", "Malformed request",
                     status.message(), req);
    case Code::invalid: {
      Json errors = Json::array();
      for (const FieldError& e : status.errors()) {
        errors.push_back({{"pointer", e.pointer}, {"message", e.message}});
      }
      return problem(http::status::unprocessable_entity, "validation-failed", "Validation failed",
                     status.message(), req, Json{{"errors", std::move(errors)}});
    }
    case Code::not_found:
      return problem(http::status::not_found, "not-found", "Not found", status.message(), req);
    case Code::conflict:
      return problem(http::status::conflict, "conflict", "Conflict", status.message(), req);
    case Code::duplicate_id:
      return problem(http::status::conflict, "duplicate-event-id", "Duplicate event id",
                     status.message(), req);
    case Code::precondition_failed: {
      // A negative expected version is how the core spells If-None-Match: *;
      // a client reads "no stream" more easily than a sentinel number.
      Json expected = status.expected() < 0 ? Json("no stream") : Json(status.expected());
      return problem(http::status::precondition_failed, "precondition-failed",
                     "Precondition failed", status.message(), req,
                     Json{{"expected", std::move(expected)}, {"actual", status.actual()}});
    }
    case Code::storage_full:
      // The store's message names SQL; the client needs only what happened.
      return problem(http::status::insufficient_storage, "storage-full", "Storage full",
                     "The store is out of space (disk full or --max-db-size reached); "
                     "nothing of this request was written. Retry once space is freed.",
                     req);
    case Code::corrupt:
      return storage_failure("storage-corrupt", "Storage corrupt", status, req);
    case Code::io_error:
      return storage_failure("storage-error", "Storage error", status, req);
    case Code::unavailable: {
      std::cerr << "starlog: " << req.method_string() << ' '
                << req.target().substr(0, req.target().find('?')) << ": " << status.message()
                << '\n';
      Response res = problem(
          http::status::service_unavailable, "store-unavailable", "Store unavailable",
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
  return problem(http::status::internal_server_error, "internal-error", "Internal error",
                 "The server failed to answer this request; the error was logged.", req);
}

}  // namespace starlog::api
