#include "api/metrics.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace starlog;
using namespace starlog::api;

namespace {

Response scrape(const Router& router) {
  Request req{http::verb::get, "/metrics", 11};
  return router.dispatch(req);
}

}  // namespace

TEST_CASE("GET /metrics renders gauges and counters as read at scrape time, never cached") {
  Metrics metrics;
  double head = 3;
  metrics.add_gauge("starlog_log_head_position", "Position of the last event in the log.", "",
                    [&] { return head; });
  Router router;
  add_metrics_route(router, metrics);

  Response res = scrape(router);
  CHECK(res.result() == http::status::ok);
  CHECK(res[http::field::content_type] == Metrics::kContentType);
  CHECK(res[http::field::cache_control] == "no-store");
  CHECK(res.body().find("# TYPE starlog_log_head_position gauge") != std::string::npos);
  CHECK(res.body().find("starlog_log_head_position 3\n") != std::string::npos);

  head = 4;
  metrics.observe_append(2, "created", std::chrono::milliseconds(3));
  res = scrape(router);
  CHECK(res.body().find("starlog_log_head_position 4\n") != std::string::npos);
  CHECK(res.body().find("outcome=\"created\"") != std::string::npos);
}
