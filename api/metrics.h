// Metrics: the server's numbers in the Prometheus text exposition format
// (version 0.0.4), served at GET /metrics.
//
// Counters and histograms are kept here and fed by the server's exchange
// observer (requests) and the append hook (appends); gauges and histograms
// owned elsewhere (projection position, file sizes, fsync times) are read
// through callbacks at scrape time. Every label value comes from a small,
// fixed set (route patterns, method names, status codes, outcome names), so
// the number of series stays bounded whatever clients send.
//
// Threads: every method is thread-safe. Callbacks run on the scraping thread
// and must be thread-safe too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "api/router.h"
#include "domain/status.h"

namespace starlog::api {

// Cumulative bucket counts as Prometheus wants them: counts[i] is the number
// of observations <= bounds[i]; `count` (the +Inf bucket) covers them all.
struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;
  std::uint64_t count = 0;
  double sum = 0;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSnapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> buckets_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0;
};

// The name of a failure's Code, as an append outcome label ("storage_full").
std::string_view code_name(Code code);

// Bucket bounds in seconds for request and append latencies.
std::vector<double> latency_buckets();

class Metrics {
 public:
  Metrics();

  // One answered request. `route` is the matched pattern ("" for none).
  void observe_request(std::string_view route, std::string_view method, unsigned status,
                       std::chrono::steady_clock::duration duration);
  // One append call: `events` in the request, `outcome` "created",
  // "replayed" (idempotent retry) or the failure's kind (e.g. "invalid",
  // "storage_full").
  void observe_append(std::size_t events, std::string_view outcome,
                      std::chrono::steady_clock::duration duration);

  // A gauge read at scrape time. `labels` is "" or e.g. `projection="timeline"`.
  void add_gauge(std::string name, std::string help, std::string labels,
                 std::function<double()> read);
  // A histogram kept elsewhere, read at scrape time.
  void add_histogram(std::string name, std::string help, std::function<HistogramSnapshot()> read);

  // The whole exposition, text/plain; version=0.0.4.
  std::string render() const;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Gauge {
    std::string name, help, labels;
    std::function<double()> read;
  };
  struct ExternalHistogram {
    std::string name, help;
    std::function<HistogramSnapshot()> read;
  };
  mutable std::mutex mu_;
  // (route, method, status) -> count
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> request_seconds_;  // by route
  std::map<std::string, std::uint64_t, std::less<>> appends_;      // by outcome
  std::atomic<std::uint64_t> appended_events_{0};
  Histogram batch_size_;
  Histogram append_seconds_;
  std::vector<Gauge> gauges_;
  std::vector<ExternalHistogram> histograms_;
};

// Registers GET /metrics: `metrics` rendered in the Prometheus text format,
// public (no token), Cache-Control: no-store. `metrics` must outlive the
// router.
void add_metrics_route(Router& router, const Metrics& metrics);

}  // namespace starlog::api
