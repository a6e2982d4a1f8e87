#include "api/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace starlog::api {
namespace {

// Prometheus floats: integers without a fraction, others with enough digits.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

// A label value, escaped as the text format requires.
std::string label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  for (std::string_view part : std::initializer_list<std::string_view>{
           "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n"})
    out += part;
}

void sample(std::string& out, std::string_view name, std::string_view labels, double v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += number(v);
  out += '\n';
}

void histogram_samples(std::string& out, std::string_view name, std::string_view labels,
                       const HistogramSnapshot& h) {
  const std::string bucket = std::string(name) + "_bucket";
  std::string prefix(labels);
  if (!prefix.empty()) prefix += ',';
  for (std::size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
    std::string l = prefix;
    l += "le=\"";
    l += number(h.bounds[i]);
    l += '"';
    sample(out, bucket, l, static_cast<double>(h.counts[i]));
  }
  std::string inf = prefix;
  inf += "le=\"+Inf\"";
  sample(out, bucket, inf, static_cast<double>(h.count));
  sample(out, std::string(name) + "_sum", labels, h.sum);
  sample(out, std::string(name) + "_count", labels, static_cast<double>(h.count));
}

// Methods outside this set are counted as "other": a client must not be able
// to invent label values.
std::string_view method_label(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  std::lock_guard lock(mu_);
  ++buckets_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += value;
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mu_);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i];
    s.counts.push_back(running);
  }
  s.count = running + buckets_.back();
  s.sum = sum_;
  return s;
}

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::malformed:
      return "malformed";
    case Code::invalid:
      return "invalid";
    case Code::not_found:
      return "not_found";
    case Code::conflict:
      return "conflict";
    case Code::duplicate_id:
      return "duplicate_id";
    case Code::precondition_failed:
      return "precondition_failed";
    case Code::storage_full:
      return "storage_full";
    case Code::corrupt:
      return "corrupt";
    case Code::io_error:
      return "io_error";
    case Code::unavailable:
      return "unavailable";
  }
  return "unknown";
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Metrics()
    : batch_size_({1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}), append_seconds_(latency_buckets()) {}

void Metrics::observe_request(std::string_view route, std::string_view method, unsigned status,
                              std::chrono::steady_clock::duration duration) {
  const std::string r = route.empty() ? "unmatched" : std::string(route);
  std::lock_guard lock(mu_);
  ++requests_[{r, std::string(method_label(method)), status}];
  auto it = request_seconds_.find(r);
  if (it == request_seconds_.end()) it = request_seconds_.emplace(r, latency_buckets()).first;
  it->second.observe(seconds(duration));
}

void Metrics::observe_append(std::size_t events, std::string_view outcome,
                             std::chrono::steady_clock::duration duration) {
  if (outcome == "created") appended_events_ += events;
  batch_size_.observe(static_cast<double>(events));
  append_seconds_.observe(seconds(duration));
  std::lock_guard lock(mu_);
  auto it = appends_.find(outcome);
  if (it == appends_.end()) it = appends_.emplace(std::string(outcome), 0).first;
  ++it->second;
}

void Metrics::add_gauge(std::string name, std::string help, std::string labels,
                        std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(labels), std::move(read)});
}

void Metrics::add_histogram(std::string name, std::string help,
                            std::function<HistogramSnapshot()> read) {
  std::lock_guard lock(mu_);
  histograms_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  std::vector<Gauge> gauges;
  std::vector<ExternalHistogram> histograms;
  {
    std::lock_guard lock(mu_);
    header(out, "starlog_http_requests_total",
           "HTTP requests answered, by route pattern, method and status.", "counter");
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      std::string l = "route=\"";
      l += label_value(route);
      l += "\",method=\"";
      l += method;
      l += "\",status=\"";
      l += std::to_string(status);
      l += '"';
      sample(out, "starlog_http_requests_total", l, static_cast<double>(n));
    }
    header(out, "starlog_http_request_duration_seconds",
           "Time from a request's header to its response written, by route pattern.", "histogram");
    for (const auto& [route, h] : request_seconds_) {
      std::string l = "route=\"";
      l += label_value(route);
      l += '"';
      histogram_samples(out, "starlog_http_request_duration_seconds", l, h.snapshot());
    }
    header(out, "starlog_append_requests_total", "Append calls on the event store, by outcome.",
           "counter");
    for (const auto& [outcome, n] : appends_) {
      std::string l = "outcome=\"";
      l += label_value(outcome);
      l += '"';
      sample(out, "starlog_append_requests_total", l, static_cast<double>(n));
    }
    gauges = gauges_;
    histograms = histograms_;
  }
  header(out, "starlog_appended_events_total", "Events newly written to the log.", "counter");
  sample(out, "starlog_appended_events_total", "", static_cast<double>(appended_events_.load()));
  header(out, "starlog_append_batch_size", "Events per append call.", "histogram");
  histogram_samples(out, "starlog_append_batch_size", "", batch_size_.snapshot());
  header(out, "starlog_append_duration_seconds",
         "Time of one append call, commit and fsync included.", "histogram");
  histogram_samples(out, "starlog_append_duration_seconds", "", append_seconds_.snapshot());
  for (const auto& h : histograms) {
    header(out, h.name, h.help, "histogram");
    histogram_samples(out, h.name, "", h.read());
  }
  std::string last;
  for (const auto& g : gauges) {
    if (g.name != last) header(out, g.name, g.help, "gauge");
    last = g.name;
    sample(out, g.name, g.labels, g.read());
  }
  return out;
}

void add_metrics_route(Router& router, const Metrics& metrics) {
  router.add(http::verb::get, "/metrics", domain::Permission::none,
             [&metrics](const Request& req, const RouteParams&) {
               Response res{http::status::ok, req.version()};
               res.keep_alive(req.keep_alive());
               res.set(http::field::content_type, Metrics::kContentType);
               res.set(http::field::cache_control, "no-store");
               res.body() = metrics.render();
               res.prepare_payload();
               return res;
             });
}

}  // namespace starlog::api
