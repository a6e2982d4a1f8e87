#include "app/observability.h"

#include <cerrno>
#include <cstring>

namespace starlog::app {

Result<std::unique_ptr<Observability>> Observability::create(Runtime& rt,
                                                             const std::string& access_log) {
  std::unique_ptr<Observability> o(new Observability(rt));
  if (access_log == "-") {
    o->access_log_.emplace(stdout);
  } else if (access_log != "off") {
    o->log_file_ = std::fopen(access_log.c_str(), "a");
    if (!o->log_file_) {
      std::string msg = "cannot open access log ";
      msg += access_log;
      msg += ": ";
      msg += std::strerror(errno);
      return Status::io_error(std::move(msg));
    }
    o->access_log_.emplace(o->log_file_);
  }

  api::Metrics& m = o->metrics_;
  Runtime* r = &rt;
  m.add_gauge("starlog_log_head_position", "Position of the last event in the log.", "",
              [r] { return static_cast<double>(r->log->head()); });
  std::string projection = "projection=\"";
  projection += r->timeline->name();
  projection += '"';
  m.add_gauge("starlog_projection_position", "Last log position folded into the projection.",
              projection, [r] { return static_cast<double>(r->timeline->position()); });
  m.add_gauge("starlog_projection_lag_events", "Events in the log not yet in the projection.",
              projection, [r] {
                const auto lag = r->log->head() - r->timeline->position();
                return static_cast<double>(lag > 0 ? lag : 0);
              });
  for (const store::BackendGauge& g : r->backend.gauges) m.add_gauge(g.name, g.help, "", g.read);
  for (const store::BackendHistogram& h : r->backend.histograms) {
    m.add_histogram(h.name, h.help, [read = h.read] {
      const store::BackendHistogram::Snapshot s = read();
      return api::HistogramSnapshot{s.bounds, s.counts, s.count, s.sum};
    });
  }
  return o;
}

Observability::~Observability() {
  if (log_file_) std::fclose(log_file_);
}

void Observability::add_routes(api::Router& router) { api::add_metrics_route(router, metrics_); }

void Observability::attach(api::Server& server, const api::Router& router) {
  api::Server* s = &server;
  metrics_.add_gauge("starlog_http_connections", "Open client connections being served.", "",
                     [s] { return static_cast<double>(s->stats().connections); });
  metrics_.add_gauge("starlog_sse_clients", "Connections held by a live event stream.", "",
                     [s] { return static_cast<double>(s->stats().streams); });
  server.set_observer([this, &router](const api::Exchange& ex) {
    const std::string route = ex.request ? router.route_of(*ex.request) : std::string();
    if (ex.status != 0) metrics_.observe_request(route, ex.method, ex.status, ex.duration);
    if (access_log_) access_log_->write(ex, route);
  });
}

void Observability::hook(api::Services& services) {
  services.on_append = [this](std::size_t events, std::string_view outcome,
                              std::chrono::steady_clock::duration d) {
    metrics_.observe_append(events, outcome, d);
  };
}

}  // namespace starlog::app
