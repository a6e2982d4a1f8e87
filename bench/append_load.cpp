// bench/append_load: drives durable single-event appends over HTTP from
// many keep-alive connections, one thread each, and prints throughput and
// latency as one JSON object.
//
//   append_load --port P [--host H] [--connections 64] [--seconds 10]
//               [--celebrities N] [--token T]
//
// Each request appends one statement_made fact to a random stream among
// celeb-00000 .. celeb-N-1 (which must be registered). Only 201 answers
// count as appended; anything else is an error.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port, token;
  int connections = 64, celebrities = 10000;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      host = v;
    else if (k == "--port")
      port = v;
    else if (k == "--connections")
      connections = std::atoi(v.c_str());
    else if (k == "--seconds")
      seconds = std::atof(v.c_str());
    else if (k == "--celebrities")
      celebrities = std::atoi(v.c_str());
    else if (k == "--token")
      token = v;
    else {
      std::fprintf(stderr, "append_load: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (port.empty() || connections < 1 || celebrities < 1) {
    std::fprintf(stderr,
                 "usage: append_load --port P [--connections N] [--seconds S] [--celebrities N] "
                 "[--token T]\n");
    return 2;
  }
  std::atomic<long> ok{0}, errors{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      std::mt19937 rng(static_cast<unsigned>(c * 7919 + 1));
      try {
        net::io_context ioc;
        tcp::resolver resolver(ioc);
        beast::tcp_stream stream(ioc);
        stream.connect(resolver.resolve(host, port));
        beast::flat_buffer buffer;
        long n = 0;
        while (Clock::now() < deadline) {
          char target[64];
          std::snprintf(target, sizeof target, "/v1/celebrities/celeb-%05d/events",
                        static_cast<int>(rng() % static_cast<unsigned>(celebrities)));
          http::request<http::string_body> req{http::verb::post, target, 11};
          req.set(http::field::host, host);
          req.set(http::field::content_type, "application/json");
          if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
          req.body() =
              "{\"type\":\"statement_made\",\"occurred\":\"2024-05-0" + std::to_string(1 + n % 9) +
              "\",\"data\":{\"quote\":\"Load test statement number " + std::to_string(n) +
              " from connection " + std::to_string(c) +
              "\",\"medium\":\"interview\"},\"sources\":[{\"url\":\"https://news.example.com/a\","
              "\"publisher\":\"Bench\"}]}";
          req.prepare_payload();
          const auto t0 = Clock::now();
          http::write(stream, req);
          http::response<http::string_body> res;
          http::read(stream, buffer, res);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          if (res.result() == http::status::created)
            ++ok;
          else if (++errors < 5)
            std::fprintf(stderr, "append_load: %d %s\n", res.result_int(), res.body().c_str());
          ++n;
        }
      } catch (const std::exception& e) {
        ++errors;
        std::fprintf(stderr, "append_load: connection %d: %s\n", c, e.what());
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[std::min(latencies_ms.size() - 1,
                                       static_cast<std::size_t>(p * latencies_ms.size()))];
  };
  std::printf(
      "{\"appended\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"per_second\": %.1f, \"p50_ms\": "
      "%.2f, \"p99_ms\": %.2f}\n",
      ok.load(), errors.load(), secs, ok.load() / secs, pct(0.50), pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
