// The access log: one JSON object per line and per request, e.g.
//   {"ts":"2026-11-26T15:04:05.123Z","request_id":"9f2c01ab00000007",
//    "remote":"127.0.0.1","method":"POST","path":"/v1/celebrities/x/events",
//    "route":"/v1/celebrities/{id}/events","status":201,"duration_ms":3.1,
//    "bytes_in":412,"bytes_out":96}
// ("streamed":true is added for a Server-Sent Events response, written when
// it ends). Only the path is logged: never the query string, never a header
// and never a body, so neither a bearer token nor a cursor or personal data
// reaches the log.
//
// Threads: write() is thread-safe; lines are never interleaved.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "api/server.h"

namespace starlog::api {

// The line for `ex` (without the newline). `route` is the matched pattern or "".
std::string access_log_line(const Exchange& ex, std::string_view route,
                            std::chrono::system_clock::time_point now);

class AccessLog {
 public:
  // Writes to `out` (not owned; must outlive this), flushing every line.
  explicit AccessLog(std::FILE* out) : out_(out) {}
  void write(const Exchange& ex, std::string_view route);

 private:
  std::mutex mu_;
  std::FILE* out_;
};

}  // namespace starlog::api
