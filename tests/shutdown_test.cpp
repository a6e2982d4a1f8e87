// Graceful shutdown: SIGTERM/SIGINT stop accepting, let in-flight requests
// finish (within --shutdown-timeout), close streams, close the store (the
// WAL is checkpointed into the database file) and exit 0.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/server.h"
#include "domain/uuid.h"
#include "tests/support/log_check.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

Json song(const std::string& id) {
  return {{"id", id},
          {"type", "song_released"},
          {"occurred", "2021-08-29"},
          {"data", {{"title", "Last Song"}}}};
}

std::uintmax_t wal_size(const std::string& db) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(db + "-wal", ec);
  return ec ? 0 : n;
}

void graceful_stop_under_load(int signal) {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  ServerProcess server(db);
  HttpClient admin = server.client();
  const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Stop Test"}}}};
  REQUIRE(admin.post_json("/v1/celebrities/stop-test/events", reg, write_headers(server)).status ==
          201);

  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<int> answered{0};
  std::atomic<int> broken{0};  // responses cut in the middle: must stay 0
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&] {
      HttpClient c = server.client();
      for (int i = 0; i < 500; ++i) {
        const std::string id = domain::make_uuid_v7();
        HttpResult r;
        try {
          r = c.post_json("/v1/celebrities/stop-test/events", song(id), write_headers(server));
        } catch (const std::exception& e) {
          // Refused or closed before an answer is fine; a half answer is not.
          if (std::string(e.what()).find("broken response") != std::string::npos) ++broken;
          return;
        }
        if (r.status != 201) return;
        ++answered;
        std::lock_guard lock(mu);
        acked.push_back(id);
      }
    });
  }
  for (int i = 0; i < 3000 && answered < 30; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int exit_code = server.stop_with(signal);
  for (auto& t : writers) t.join();
  CHECK(exit_code == 0);
  CHECK(broken == 0);
  CHECK(server.output().find("starlog: stopped") != std::string::npos);
  CHECK(wal_size(db) == 0);  // the store was closed: the WAL is checkpointed away

  server.restart();
  HttpClient c = server.client();
  const auto log = read_log(c);
  std::set<std::string> ids;
  for (const auto& e : log) ids.insert(e.id);
  for (const auto& id : acked) CHECK(ids.count(id) == 1);
  CHECK(log_problem(log) == "");
  CHECK(wait_ready(c));
}

TEST_CASE("SIGTERM under load: answered appends are kept, the store is closed, exit 0") {
  graceful_stop_under_load(SIGTERM);
}

TEST_CASE("SIGINT does the same") { graceful_stop_under_load(SIGINT); }

// ---- in process: in-flight requests and streams --------------------------

using namespace starlog::api;

TEST_CASE("stop() lets an in-flight request finish, closes streams and refuses new connections") {
  ServerOptions opts;
  opts.port = 0;
  opts.threads = 2;
  opts.shutdown_timeout = std::chrono::seconds(10);
  std::atomic<bool> in_handler{false};
  std::atomic<bool> release{false};
  Server server(opts, [&](const Request& req) {
    if (req.target() == "/slow") {
      in_handler = true;
      for (int i = 0; i < 1000 && !release; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return json_response(http::status::ok, Json{{"done", true}}, req);
  });
  std::atomic<bool> streaming{false};
  server.set_stream_route([&](const Request& req) -> std::optional<StreamHandler> {
    if (req.target() != "/live") return std::nullopt;
    return StreamHandler(
        [&](boost::beast::tcp_stream& stream, const Request& r) -> boost::asio::awaitable<void> {
          http::response<http::empty_body> head{http::status::ok, r.version()};
          head.set(http::field::content_type, "text/event-stream");
          head.chunked(true);
          http::response_serializer<http::empty_body> sr(head);
          co_await http::async_write_header(stream, sr, boost::asio::use_awaitable);
          streaming = true;
          boost::asio::steady_timer forever(stream.get_executor(), std::chrono::hours(1));
          co_await forever.async_wait(boost::asio::use_awaitable);
        });
  });
  REQUIRE(server.start().is_ok());
  std::thread runner([&] { server.run(); });

  RawSocket live(server.port());
  REQUIRE(live.send("GET /live HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 400 && !streaming; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(streaming);

  HttpResult slow;
  std::thread client([&] {
    HttpClient c("127.0.0.1", server.port());
    slow = c.get("/slow");
  });
  for (int i = 0; i < 400 && !in_handler; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(in_handler);

  server.stop();
  live.read_for(std::chrono::seconds(5));
  CHECK(live.closed());  // the stream was closed by stop()

  release = true;  // the in-flight request completes after stop()
  client.join();
  CHECK(slow.status == 200);
  CHECK(slow.header("connection") == "close");
  runner.join();  // run() returns once nothing is left

  HttpClient late("127.0.0.1", server.port(), std::chrono::seconds(2));
  CHECK_THROWS(late.get("/refused"));
}

}  // namespace
}  // namespace starlog::test
