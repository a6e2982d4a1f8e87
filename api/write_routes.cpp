#include <algorithm>
#include <cmath>
#include <cstdio>

#include "api/audit_routes.h"
#include "api/auth.h"
#include "api/caching.h"
#include "api/json_guard.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/route_handlers.h"
#include "api/route_support.h"
#include "domain/access.h"
#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/hash_chain.h"
#include "domain/text.h"
#include "domain/uuid.h"
#include "projections/findings.h"
#include "projections/findings_reader.h"
#include "projections/time_travel.h"
#include "projections/timeline_projection.h"
#include "projections/timelinejs.h"

namespace starlog::api {
namespace {

using domain::Millis;

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string media(ct.substr(0, semi));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json";
}

// If-Match: "N" / If-None-Match: * -> the expected stream version.
std::optional<store::Expected> expected_version(const Request& req, std::string& error) {
  auto if_match = req[http::field::if_match];
  auto if_none = req[http::field::if_none_match];
  if (!if_match.empty() && !if_none.empty()) {
    error = "send either If-Match or If-None-Match, not both";
    return std::nullopt;
  }
  if (!if_none.empty()) {
    if (if_none != "*") {
      error = "If-None-Match on an append must be *";
      return std::nullopt;
    }
    return store::Expected::no_stream();
  }
  if (!if_match.empty()) {
    std::string_view v = if_match;
    std::int64_t n = -1;
    if (v.size() >= 3 && v.front() == '"' && v.back() == '"')
      n = domain::parse_int64(v.substr(1, v.size() - 2)).value_or(-1);
    if (n < 0) {
      error = "If-Match must be a stream version as a quoted integer, e.g. \"3\"";
      return std::nullopt;
    }
    return store::Expected::exact(n);
  }
  return store::Expected::any();
}

// The answer refusing a finding_dismissed event of `events` (appended to
// `stream`), or nullopt: 422 when the finding is not one of the
// celebrity's, 409 when it is dismissed already (or twice in the batch) by
// an event other than this one.
std::optional<Response> check_dismissals(Services& s, const Request& req, const std::string& stream,
                                         const std::vector<domain::NewEvent>& events, bool batch) {
  std::set<std::string> seen;
  bool waited = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (domain::role_of(events[i].type) != domain::EventRole::dismissal) continue;
    if (!waited) {
      await_fold(s);  // a finding raised by an append answered before this one
      waited = true;
    }
    const std::string raw = events[i].data.at("finding_id").get<std::string>();
    const std::string id = domain::normalize_uuid(raw).value_or(raw);
    const std::string pointer =
        (batch ? "/" + std::to_string(i) : std::string()) + "/data/finding_id";
    auto found = findings_of(s).find(stream, id);
    if (!found.ok()) return problem_from_status(found.status(), req);
    if (!found->has_value())
      return problem_from_status(
          Status::invalid("no finding with id '" + id + "' about " + stream,
                          {{pointer, "must name one of this celebrity's findings"}}),
          req);
    const Json& dismissal = (**found).at("dismissal");
    // A resend of the very event that dismissed it (same id) is the store's
    // to answer: the stored event (200) or, if its content differs, 409.
    const bool resent = !events[i].id_generated && dismissal.is_object() &&
                        dismissal.value("event_id", "") == events[i].id;
    if ((!dismissal.is_null() && !resent) || !seen.insert(id).second)
      return problem_from_status(Status::conflict("finding '" + id + "' is already dismissed"),
                                 req);
  }
  return std::nullopt;
}

}  // namespace

Response append_events(Services& s, const Request& req, const RouteParams& p) {
  const std::string& stream = p.param("id");
  if (!domain::is_valid_slug(stream)) {
    return problem_from_status(
        Status::invalid("'" + stream + "' is not a valid celebrity id (a lower-case slug)",
                        {{"", "invalid celebrity id in path"}}),
        req);
  }
  if (!is_json_content_type(req[http::field::content_type])) {
    return problem(ProblemType::unsupported_media_type,
                   "send events as Content-Type: application/json", req);
  }
  if (req.body().size() > domain::kMaxBodyBytes) {
    return problem(ProblemType::payload_too_large, "a request body may hold at most 1 MiB", req);
  }
  std::string precondition_error;
  auto expected = expected_version(req, precondition_error);
  if (!expected) {
    return problem(ProblemType::invalid_header, precondition_error, req);
  }
  if (json_nests_deeper_than(req.body(), kMaxJsonDepth)) {
    std::string detail = "the body nests arrays and objects deeper than ";
    detail += std::to_string(kMaxJsonDepth);
    detail += " levels";
    return problem_from_status(Status::malformed(std::move(detail)), req);
  }
  Json body = Json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return problem_from_status(Status::malformed("the body is not valid JSON"), req);
  }
  auto events = domain::validate_request_body(body);
  if (!events.ok()) return problem_from_status(events.status(), req);

  // The guard let only a token with the append right through; anonymous
  // callers never append.
  if (!p.principal) return unauthorized(req, "appending events needs a token", false);
  // Some types need more than the append right: a takedown is for admins.
  bool takedown = false;
  for (const auto& e : *events) {
    const domain::EventType* t = domain::find_event_type(e.type);
    if (t && t->role == domain::EventRole::takedown) takedown = true;
    if (t && t->admin_only && !domain::allows(p.principal->role, domain::Permission::admin)) {
      return problem(ProblemType::forbidden,
                     std::string(t->name) + " events need a token of the role admin; token '" +
                         p.principal->name + "' has the role " +
                         std::string(domain::to_string(p.principal->role)),
                     req);
    }
  }
  // A dismissal names a finding about this celebrity that stands undismissed.
  if (auto refused = check_dismissals(s, req, stream, *events, body.is_array())) return *refused;
  store::AppendRequest append{stream, *expected, std::move(*events), body.is_array(),
                              p.principal->name};
  const auto append_started = std::chrono::steady_clock::now();
  auto result = s.log.append(append);
  if (s.on_append) {
    s.on_append(append.events.size(),
                result.ok() ? (result->created ? "created" : "replayed")
                            : code_name(result.status().code()),
                std::chrono::steady_clock::now() - append_started);
  }
  // A takedown is answered only once its content is gone from every place
  // (api/takedown.h). A resend completes one left incomplete: the same
  // request (a retry, 200) or another takedown of the same fact (409).
  auto incomplete = [&](std::int64_t position) -> std::optional<Response> {
    if (!takedown || !s.takedowns) return std::nullopt;
    Status done = s.takedowns->complete(position);
    if (done) return std::nullopt;
    std::fprintf(stderr, "starlog: takedown at position %lld: %s\n",
                 static_cast<long long>(position), done.message().c_str());
    Response res = problem(ProblemType::takedown_incomplete,
                           "The takedown is recorded, but its content is not yet erased "
                           "everywhere; send the same request again to complete it.",
                           req);
    res.set(http::field::retry_after, "1");
    return res;
  };
  if (!result.ok()) {
    if (result.status().code() == Code::conflict) {
      if (auto res = incomplete(s.log.head())) return *res;
    }
    return problem_from_status(result.status(), req);
  }
  std::int64_t last = 0;
  for (const auto& e : result->events) last = std::max(last, e.position);
  if (auto res = incomplete(last)) return *res;
  // Read-your-writes: the answer leaves only once the timeline shows it.
  // One fold serves a whole group commit: callers whose events it already
  // covers return without waiting (Projector::catch_up_to).
  // With a Follower the fold runs beside the answer and reads wait for it
  // (await_fold).
  if (s.follower) {
    if (result->created) s.follower->wake();
  } else if (auto caught = s.timeline.catch_up_to(last); !caught.ok()) {
    std::fprintf(stderr, "timeline projection: %s\n", caught.status().message().c_str());
  }
  Json out = {{"stream", stream}, {"events", Json::array()}};
  for (const auto& e : result->events)
    out["events"].push_back({{"id", e.id}, {"version", e.version}, {"position", e.position}});
  Response res =
      json_response(result->created ? http::status::created : http::status::ok, out, req);
  res.set(http::field::etag, "\"" + std::to_string(result->stream_version) + "\"");
  res.set(http::field::location, "/v1/celebrities/" + stream + "/events?from_version=" +
                                     std::to_string(result->events.front().version));
  return res;
}

}  // namespace starlog::api
