// GET /metrics and the access log, end to end.
#include <doctest/doctest.h>

#include <sstream>
#include <thread>

#include "tests/support/log_check.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

// The value of the sample line that starts with `series` (name plus labels).
double sample(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::vector<Json> access_lines(const std::string& output) {
  std::vector<Json> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') continue;
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

TEST_CASE("GET /metrics counts requests, appends and fsyncs, and shows position, lag and sizes") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"));
  HttpClient c = server.client();
  const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Metric Test"}}}};
  REQUIRE(c.post_json("/v1/celebrities/metric-test/events", reg, write_headers(server)).status ==
          201);
  Json batch = Json::array();
  for (int i = 0; i < 3; ++i)
    batch.push_back({{"type", "statement_made"},
                     {"occurred", "2021"},
                     {"data", {{"quote", "q" + std::to_string(i)}}}});
  REQUIRE(c.post_json("/v1/celebrities/metric-test/events", batch, write_headers(server)).status ==
          201);
  REQUIRE(c.get("/v1/celebrities/metric-test/timeline").status == 200);
  REQUIRE(c.get("/v1/celebrities/nobody/timeline").status == 404);
  REQUIRE(c.get("/no/such/path").status == 404);

  const HttpResult r = c.get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& m = r.body;
  CHECK(
      sample(
          m,
          R"(starlog_http_requests_total{route="/v1/celebrities/{id}/events",method="POST",status="201"})") ==
      2);
  CHECK(
      sample(
          m,
          R"(starlog_http_requests_total{route="/v1/celebrities/{id}/timeline",method="GET",status="200"})") ==
      1);
  CHECK(
      sample(
          m,
          R"(starlog_http_requests_total{route="/v1/celebrities/{id}/timeline",method="GET",status="404"})") ==
      1);
  CHECK(sample(m, R"(starlog_http_requests_total{route="unmatched",method="GET",status="404"})") ==
        1);
  CHECK(
      sample(
          m,
          R"(starlog_http_request_duration_seconds_count{route="/v1/celebrities/{id}/timeline"})") ==
      2);
  CHECK(
      sample(
          m,
          R"(starlog_http_request_duration_seconds_bucket{route="/v1/celebrities/{id}/timeline",le="+Inf"})") ==
      2);
  CHECK(sample(m, R"(starlog_append_requests_total{outcome="created"})") == 2);
  CHECK(sample(m, "starlog_appended_events_total") == 4);
  CHECK(sample(m, R"(starlog_append_batch_size_bucket{le="1"})") == 1);
  CHECK(sample(m, R"(starlog_append_batch_size_bucket{le="5"})") == 2);
  CHECK(sample(m, "starlog_append_batch_size_sum") == 4);
  CHECK(sample(m, "starlog_fsync_duration_seconds_count") >= 2);  // at least one per commit
  CHECK(sample(m, "starlog_log_head_position") == 4);
  CHECK(sample(m, R"(starlog_projection_position{projection="timeline"})") == 4);
  CHECK(sample(m, R"(starlog_projection_lag_events{projection="timeline"})") == 0);
  CHECK(sample(m, "starlog_db_size_bytes") > 0);
  CHECK(sample(m, "starlog_wal_size_bytes") >= 0);
  // Two sequential appends: two group commits of one request each.
  CHECK(sample(m, "starlog_append_group_commits") == 2);
  CHECK(sample(m, "starlog_append_grouped_requests") == 2);
  CHECK(sample(m, "starlog_wal_checkpoints") >= 0);
  CHECK(sample(m, "starlog_http_connections") >= 1);
  CHECK(sample(m, "starlog_sse_clients") == 0);
  // Every line is a comment or "series value".
  std::istringstream in(m);
  std::string line;
  while (std::getline(in, line)) {
    CAPTURE(line);
    CHECK((line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0 ||
           line.find(' ') != std::string::npos));
  }
}

TEST_CASE("every request gets one JSON access-log line with its X-Request-Id, and no secret") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"));
  HttpClient c = server.client();
  const std::string secret = "sl_secret_token_do_not_log_0123456789";
  const HttpResult mine =
      c.get("/healthz?cursor=private-cursor",
            {{"X-Request-Id", "trace-42"}, {"Authorization", "Bearer " + secret}});
  REQUIRE(mine.status == 200);
  CHECK(mine.header("x-request-id") == "trace-42");
  const HttpResult fresh = c.get("/v1/celebrities/nobody");
  const std::string id = fresh.header("x-request-id");
  CHECK(id.size() == 16);
  const HttpResult refused = c.send_raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
  CHECK(refused.status == 400);
  const HttpResult posted =
      c.post("/v1/celebrities/nobody/events", "{\"secret\":\"" + secret + "\"}",
             {{"Authorization", "Bearer " + secret}});
  CHECK(posted.status >= 400);

  // The log is written as each response goes out; give the last line a moment.
  std::vector<Json> lines;
  for (int i = 0; i < 100 && lines.size() < 4; ++i) {
    lines = access_lines(server.output());
    if (lines.size() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(lines.size() >= 4);
  const std::string output = server.output();
  CHECK(output.find(secret) == std::string::npos);
  CHECK(output.find("private-cursor") == std::string::npos);
  bool found_mine = false, found_fresh = false, found_refused = false;
  for (const Json& l : lines) {
    for (const char* key : {"ts", "request_id", "remote", "method", "path", "route", "status",
                            "duration_ms", "bytes_in", "bytes_out"}) {
      CHECK_MESSAGE(l.contains(key), key);
    }
    if (l.at("request_id") == "trace-42") {
      found_mine = true;
      CHECK(l.at("path") == "/healthz");
      CHECK(l.at("route") == "/healthz");
      CHECK(l.at("status") == 200);
    }
    if (l.at("request_id") == id) {
      found_fresh = true;
      CHECK(l.at("status") == 404);
      CHECK(l.at("route") == "/v1/celebrities/{id}");
    }
    if (l.at("status") == 400 && l.at("route") == "") found_refused = true;
  }
  CHECK(found_mine);
  CHECK(found_fresh);
  CHECK(found_refused);
}

}  // namespace
}  // namespace starlog::test
