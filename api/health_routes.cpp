#include <algorithm>
#include <cmath>

#include "api/problem.h"
#include "api/route_handlers.h"

namespace starlog::api {
namespace {

bool started(const Services& s) { return !s.started || s.started->load(std::memory_order_acquire); }

// How far the projection is, as /readyz and the not-ready answer give it.
Json projection_progress(Services& s, std::int64_t head) {
  const auto position = s.timeline.position();
  const double done = head > 0 ? std::min(1.0, double(position) / double(head)) : 1.0;
  return Json::array({{{"name", s.timeline.name()},
                       {"position", position},
                       {"head", head},
                       {"progress", std::round(done * 1000) / 1000}}});
}

}  // namespace

Response readiness(Services& s, const Request& req) {
  Status reach = s.log.reachable();
  const auto head = s.log.head();
  const bool caught_up = s.timeline.position() >= head;
  const char* state = !reach        ? "store_unavailable"
                      : !started(s) ? "starting"
                      : !caught_up  ? "catching_up"
                                    : "ready";
  Json body{{"status", state},
            {"store", {{"reachable", reach.is_ok()}}},
            {"projections", projection_progress(s, head)}};
  if (!reach) body["store"]["error"] = reach.message();
  const bool ready = std::string_view(state) == "ready";
  Response res =
      json_response(ready ? http::status::ok : http::status::service_unavailable, body, req);
  if (!ready) res.set(http::field::retry_after, "1");
  return res;
}

std::optional<Response> while_starting(Services& s, const Request& req) {
  if (started(s)) return std::nullopt;
  if (!req.target().starts_with("/v1/")) return std::nullopt;
  const auto head = s.log.head();
  Response res = problem(ProblemType::not_ready,
                         "This node is folding the log before it serves (position " +
                             std::to_string(s.timeline.position()) + " of " + std::to_string(head) +
                             "); /readyz shows the progress. Try again shortly, or another node.",
                         req, Json{{"projections", projection_progress(s, head)}});
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace starlog::api
