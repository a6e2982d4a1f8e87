// Wires metrics and the access log into `starlog serve`: the GET /metrics
// route, the server's exchange observer, the append hook and the gauges read
// from the runtime (log head, projection position and lag, connections, SSE
// clients, and the backend's own: for SQLite the database and WAL sizes,
// group commits and fsync times).
//
// Lifetime: construct after the Runtime, call add_routes() before the Router
// is used and attach() after the Server is built, before start(). Must
// outlive the Server's run().
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "api/access_log.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/server.h"
#include "app/runtime.h"

namespace starlog::app {

class Observability {
 public:
  // `access_log` is "-" (stdout), "off" or a file to append to. Fails if the
  // file cannot be opened.
  static Result<std::unique_ptr<Observability>> create(Runtime& rt, const std::string& access_log);
  ~Observability();

  void add_routes(api::Router& router);
  void attach(api::Server& server, const api::Router& router);
  // Fills services.on_append.
  void hook(api::Services& services);

  api::Metrics& metrics() { return metrics_; }

 private:
  explicit Observability(Runtime& rt) : rt_(rt) {}
  Runtime& rt_;
  api::Metrics metrics_;
  std::FILE* log_file_ = nullptr;  // owned when it is not stdout
  std::optional<api::AccessLog> access_log_;
};

}  // namespace starlog::app
