// Status and Result<T>: errors inside the core are values.
//
// A Status is either ok() or carries a Code, a human message and, for
// validation failures, every broken rule with the JSON pointer of its field.
// Codes name what went wrong in domain terms; api/ maps them to HTTP statuses
// in exactly one place (api/problem.cpp). Nothing below api/ knows HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace starlog {

enum class Code {
  ok,
  malformed,            // the request cannot be read at all (not JSON, wrong top-level shape)
  invalid,              // a rule of docs/events.md is broken; see errors()
  not_found,            // the named thing does not exist
  conflict,             // a domain conflict (e.g. correcting a retracted fact)
  duplicate_id,         // an event id is already stored with other content
  precondition_failed,  // expected stream version does not hold; see expected()/actual()
  storage_full,         // the disk or database is full; nothing was written
  corrupt,              // stored data does not hold together
  io_error,             // the storage failed for another reason
  unavailable,          // the storage cannot be reached now (a lost database connection);
                        // an append's outcome may be unknown: resending it with the same
                        // event ids tells (stored once, or not at all)
};

struct FieldError {
  std::string pointer;  // RFC 6901 JSON pointer into the request body, e.g. "/data/title"
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status malformed(std::string msg) { return Status(Code::malformed, std::move(msg)); }
  static Status invalid(std::string msg, std::vector<FieldError> errors = {}) {
    Status s(Code::invalid, std::move(msg));
    s.errors_ = std::move(errors);
    return s;
  }
  static Status not_found(std::string msg) { return Status(Code::not_found, std::move(msg)); }
  static Status conflict(std::string msg) { return Status(Code::conflict, std::move(msg)); }
  static Status duplicate_id(std::string msg) { return Status(Code::duplicate_id, std::move(msg)); }
  // expected < 0 means "the stream must not exist" (If-None-Match: *).
  static Status precondition_failed(std::string msg, std::int64_t expected, std::int64_t actual) {
    Status s(Code::precondition_failed, std::move(msg));
    s.expected_ = expected;
    s.actual_ = actual;
    return s;
  }
  static Status storage_full(std::string msg) { return Status(Code::storage_full, std::move(msg)); }
  static Status corrupt(std::string msg) { return Status(Code::corrupt, std::move(msg)); }
  static Status io_error(std::string msg) { return Status(Code::io_error, std::move(msg)); }
  static Status unavailable(std::string msg) { return Status(Code::unavailable, std::move(msg)); }

  bool is_ok() const { return code_ == Code::ok; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& errors() const { return errors_; }
  std::int64_t expected() const { return expected_; }
  std::int64_t actual() const { return actual_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::ok;
  std::string message_;
  std::vector<FieldError> errors_;
  std::int64_t expected_ = 0;
  std::int64_t actual_ = 0;
};

// Result<T>: a T or a non-ok Status. REQUIRES: constructed from a non-ok Status
// when it carries no value.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const {
    static const Status ok_status;
    return ok() ? ok_status : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace starlog
