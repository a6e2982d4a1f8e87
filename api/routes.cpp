#include "api/routes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "api/audit_routes.h"
#include "api/auth.h"
#include "api/caching.h"
#include "api/json_guard.h"
#include "api/metrics.h"
#include "api/problem.h"
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

// A parsed integer query parameter within [lo, hi], its default when absent.
struct IntParam {
  std::int64_t value = 0;
  std::optional<Response> error;
};

IntParam int_param(const Request& req, const RouteParams& p, std::string_view name,
                   std::int64_t def, std::int64_t lo, std::int64_t hi) {
  auto raw = p.query_value(name);
  if (!raw) return {def, std::nullopt};
  const auto v = domain::parse_int64(*raw, lo, hi);
  if (!v) {
    return {0, invalid_parameter(name,
                                 std::string(name) + " must be an integer from " +
                                     std::to_string(lo) + " to " + std::to_string(hi),
                                 req)};
  }
  return {*v, std::nullopt};
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Version of what the read handlers make of projection rows: part of every
// derived ETag, so a deploy that renders differently invalidates caches. Bump
// the second factor when the rendering below (or TimelineJS's) changes.
constexpr std::int64_t kReadCodeVersion = projections::TimelineProjection::kCodeVersion * 1000 + 1;

// The revision of a celebrity's rows (see caching.h: read before the body),
// or the problem that answers instead.
struct Revision {
  std::int64_t value = 0;
  std::optional<Response> error;
};

Response unknown_celebrity(const Request& req, std::string_view id) {
  return not_found("no celebrity with id '" + std::string(id) + "'", req);
}

// Read-your-writes when appends are folded in the background: waits until
// the projection reflects every append answered before this read began.
// After Services::kFoldWait (a fold held up, e.g. by a full disk) the read
// is served from the rows as they are; its answer names their position.
void await_fold(Services& s) {
  if (s.follower) s.follower->wait_for(s.log.head(), Services::kFoldWait);
}

Revision revision_of(Services& s, const Request& req, std::string_view celebrity) {
  auto r = s.reader.revision(celebrity);
  if (!r.ok()) return {0, problem_from_status(r.status(), req)};
  if (!r->has_value()) return {0, unknown_celebrity(req, celebrity)};
  return {**r, std::nullopt};
}

// The same request target with `cursor` replaced: the next page's link.
std::string with_cursor(const Request& req, const std::string& cursor) {
  const Target t = split_target(req.target());
  std::string out(t.path);
  char sep = '?';
  std::string_view q = t.query;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    if (!pair.empty() && pair.substr(0, pair.find('=')) != "cursor") {
      out += sep;
      out += pair;
      sep = '&';
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  out += sep;
  out += "cursor=";
  out += cursor;
  return out;
}

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

projections::FindingsReader findings_of(Services& s) {
  return projections::FindingsReader(s.reader.store(), s.reader.projection());
}

// The answer refusing a finding_dismissed event of `events` (appended to
// `stream`), or nullopt: 422 when the finding is not one of the
// celebrity's, 409 when it is dismissed already (or twice in the batch).
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
    if (!(**found).at("dismissal").is_null() || !seen.insert(id).second)
      return problem_from_status(Status::conflict("finding '" + id + "' is already dismissed"),
                                 req);
  }
  return std::nullopt;
}

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

Response get_timeline(Services& s, const Request& req, const RouteParams& p) {
  await_fold(s);
  projections::TimelineQuery q;
  q.celebrity = p.param("id");
  auto limit = int_param(req, p, "limit", 100, 1, 500);
  if (limit.error) return *limit.error;
  q.limit = static_cast<std::size_t>(limit.value);
  if (auto order = p.query_value("order")) {
    if (*order != "asc" && *order != "desc")
      return invalid_parameter("order", "order must be asc or desc", req);
    q.descending = *order == "desc";
  }
  for (const char* name : {"from", "to"}) {
    auto raw = p.query_value(name);
    if (!raw) continue;
    auto parsed = domain::Occurred::parse(*raw);
    if (!parsed.ok())
      return invalid_parameter(name, std::string(name) + ": " + parsed.status().message(), req);
    if (std::string_view(name) == "from")
      q.from = parsed->start();
    else
      q.to = parsed->end();
  }
  if (auto types = p.query_value("types")) {
    for (auto& t : split_commas(*types)) {
      if (!domain::find_event_type(t))
        return invalid_parameter("types", "unknown event type '" + t + "'", req);
      q.types.insert(t);
    }
  }
  if (auto role = p.query_value("role")) {
    if (*role == "subject")
      q.role = projections::RoleFilter::subject;
    else if (*role == "participant")
      q.role = projections::RoleFilter::participant;
    else if (*role != "any")
      return invalid_parameter("role", "role must be subject, participant or any", req);
  }
  if (auto include = p.query_value("include")) {
    if (*include != "retracted")
      return invalid_parameter("include", "include may only be 'retracted'", req);
    q.include_retracted = true;
  }
  if (auto cursor = p.query_value("cursor")) {
    q.cursor = projections::keys::decode_cursor(*cursor);
    if (!q.cursor || q.cursor->descending != q.descending)
      return invalid_parameter(
          "cursor", "cursor is not one this timeline handed out (or the order changed)", req);
  }
  bool timelinejs = false;
  if (auto format = p.query_value("format")) {
    if (*format != "json" && *format != "timelinejs")
      return invalid_parameter("format", "format must be json or timelinejs", req);
    timelinejs = *format == "timelinejs";
  }
  auto render = [&s, &req, timelinejs](const Json& doc) {
    if (!timelinejs) return json_response(http::status::ok, doc, req);
    auto name_of = [&s](std::string_view id) { return s.reader.name_of(id); };
    Response res = json_response(http::status::ok, projections::to_timelinejs(doc, name_of), req);
    // TimelineJS's format has no room for a cursor; the next page is a link.
    if (const Json& next = doc.at("next_cursor"); next.is_string()) {
      res.set(http::field::link,
              "<" + with_cursor(req, next.get<std::string>()) + ">; rel=\"next\"");
    }
    return res;
  };
  // Time travel (auditors: the guard asks for the audit permission when
  // as_of or as_of_position is present).
  if (wants_time_travel(p)) {
    const AsOf at = resolve_as_of(s.log, req, p);
    if (at.error) return *at.error;
    // A timeline as of a position never changes: its tag is strong for good,
    // and its body is cached like a live one's. It is rendered from the
    // celebrity's kept history, folded from its events once
    // (projections/time_travel.h).
    const std::string etag = derived_etag("timeline-as-of", at.position, kReadCodeVersion, p);
    return conditional_get(req, etag, [&] {
      if (s.bodies) {
        if (auto hit = s.bodies->find(etag)) return s.bodies->respond(req, etag, hit);
      }
      struct Slot {
        std::counting_semaphore<>* slots;
        explicit Slot(std::counting_semaphore<>* s) : slots(s) {
          if (slots) slots->acquire();
        }
        ~Slot() {
          if (slots) slots->release();
        }
      } slot(s.as_of_folds);
      // Another request may have folded the same answer while this one waited.
      if (s.bodies && s.as_of_folds) {
        if (auto hit = s.bodies->find(etag)) return s.bodies->respond(req, etag, hit);
      }
      Response res;
      if (s.time_travel && !timelinejs) {
        // Rendered from the entries the history keeps (the same bytes).
        auto text = s.time_travel->timeline_text_at(q, at.position);
        if (!text.ok()) return problem_from_status(text.status(), req);
        res = json_text_response(http::status::ok, std::move(*text), req);
      } else {
        auto doc = s.time_travel ? s.time_travel->timeline_at(q, at.position)
                                 : projections::timeline_at(s.log, q, at.position);
        if (!doc.ok()) return problem_from_status(doc.status(), req);
        res = render(*doc);
      }
      return s.bodies ? s.bodies->store(req, etag, std::move(res), {http::field::link}) : res;
    });
  }
  // The timeline answers for its celebrity's revision: `position` says the
  // last log position that changed it, and the answer stays the same (and so
  // does its ETag) until another event changes this celebrity's rows.
  const Revision rev = revision_of(s, req, q.celebrity);
  if (rev.error) return *rev.error;
  const std::string etag = derived_etag("timeline", rev.value, kReadCodeVersion, p);
  return conditional_get(req, etag, [&] {
    // The tag names exactly this answer, so a cached body is never stale.
    if (s.bodies) {
      if (auto hit = s.bodies->find(etag)) return s.bodies->respond(req, etag, hit);
    }
    auto doc = s.reader.timeline(q, rev.value);
    if (!doc.ok()) return problem_from_status(doc.status(), req);
    Response res = render(*doc);
    return s.bodies ? s.bodies->store(req, etag, std::move(res), {http::field::link}) : res;
  });
}

Response get_directory(Services& s, const Request& req, const RouteParams& p) {
  await_fold(s);
  projections::DirectoryQuery q;
  auto limit = int_param(req, p, "limit", 100, 1, 500);
  if (limit.error) return *limit.error;
  q.limit = static_cast<std::size_t>(limit.value);
  if (auto text = p.query_value("q")) {
    if (text->size() > domain::kMaxNameLength) return invalid_parameter("q", "q is too long", req);
    q.q = *text;
  }
  if (auto cursor = p.query_value("cursor")) {
    q.after = projections::keys::decode_opaque(*cursor);
    if (!q.after)
      return invalid_parameter("cursor", "cursor is not one this listing handed out", req);
  }
  // Every event changes some profile, so the projection's position is the
  // directory's revision.
  const std::int64_t position = s.timeline.position();
  return conditional_get(req, derived_etag("directory", position, kReadCodeVersion, p), [&] {
    auto doc = s.reader.directory(q);
    if (!doc.ok()) return problem_from_status(doc.status(), req);
    return json_response(http::status::ok, *doc, req);
  });
}

Response get_profile(Services& s, const Request& req, const RouteParams& p) {
  await_fold(s);
  const Revision rev = revision_of(s, req, p.param("id"));
  if (rev.error) return *rev.error;
  return conditional_get(req, derived_etag("profile", rev.value, kReadCodeVersion, p), [&] {
    auto doc = s.reader.profile(p.param("id"));
    if (!doc.ok()) return problem_from_status(doc.status(), req);
    return json_response(http::status::ok, *doc, req);
  });
}

// GET /v1/celebrities/{id}/findings (`of_celebrity`) and GET /v1/findings.
Response get_findings(Services& s, const Request& req, const RouteParams& p, bool of_celebrity) {
  await_fold(s);
  projections::FindingsQuery q;
  auto limit = int_param(req, p, "limit", 100, 1, 500);
  if (limit.error) return *limit.error;
  q.limit = static_cast<std::size_t>(limit.value);
  if (auto kind = p.query_value("kind")) {
    if (!projections::findings::is_kind(*kind)) {
      std::string kinds;
      for (std::string_view k : projections::findings::kKinds)
        kinds += (kinds.empty() ? "" : ", ") + std::string(k);
      return invalid_parameter("kind", "kind must be one of " + kinds, req);
    }
    q.kind = std::string(*kind);
  }
  if (auto include = p.query_value("include")) {
    if (*include != "dismissed")
      return invalid_parameter("include", "include must be dismissed", req);
    q.include_dismissed = true;
  }
  if (auto cursor = p.query_value("cursor")) {
    q.after = projections::keys::decode_opaque(*cursor);
    if (!q.after)
      return invalid_parameter("cursor", "cursor is not one this listing handed out", req);
  }
  // A celebrity's findings change only with its revision; all findings with
  // the projection's position.
  std::int64_t revision = 0;
  if (of_celebrity) {
    q.celebrity = p.param("id");
    const Revision rev = revision_of(s, req, *q.celebrity);
    if (rev.error) return *rev.error;
    revision = rev.value;
  } else {
    revision = s.timeline.position();
  }
  const char* resource = of_celebrity ? "findings" : "all-findings";
  return conditional_get(req, derived_etag(resource, revision, kReadCodeVersion, p), [&] {
    auto doc = findings_of(s).list(q);
    if (!doc.ok()) return problem_from_status(doc.status(), req);
    return json_response(http::status::ok, *doc, req);
  });
}

// A fact the read models do not have: 410 when its content was taken down
// (naming the takedown, never the content), else 404.
Response missing_fact(Services& s, const Request& req, const std::string& id) {
  auto event = s.log.find_event(id);
  if (!event.ok()) return problem_from_status(event.status(), req);
  if (*event && (*event)->erasure && (*event)->erasure->fact_id == id) {
    const domain::Erasure& x = *(*event)->erasure;
    Json takedown = {{"event_id", x.by},
                     {"recorded_at", domain::format_instant_ms(x.recorded_at)},
                     {"reason", x.reason}};
    return problem(ProblemType::taken_down,
                   "the content of fact '" + id + "' was taken down by event " + x.by + " at " +
                       domain::format_instant_ms(x.recorded_at) + ": " + x.reason,
                   req, Json{{"taken_down", std::move(takedown)}});
  }
  return not_found("no fact with id '" + id + "'", req);
}

Response get_fact(Services& s, const Request& req, const RouteParams& p) {
  await_fold(s);
  // Fact ids are UUIDs, stored lower case; accept them as an append does.
  const std::string id = domain::normalize_uuid(p.param("fact_id")).value_or(p.param("fact_id"));
  auto fact = s.reader.fact(id);
  if (!fact.ok()) return problem_from_status(fact.status(), req);
  if (!fact.value()) return missing_fact(s, req, id);
  // Whatever changes a fact or its history is an event of its subject's
  // stream, which moves the subject's revision. Read it, then the fact again.
  const Revision rev = revision_of(s, req, (*fact)->subject);
  if (rev.error) return *rev.error;
  const std::string etag = derived_etag("fact", rev.value, kReadCodeVersion, p);
  if (if_none_match_hits(req, etag)) return not_modified(req, etag);
  fact = s.reader.fact(id);
  if (!fact.ok()) return problem_from_status(fact.status(), req);
  if (!fact.value()) return problem_from_status(Status::corrupt("fact " + id + " vanished"), req);
  auto profile = s.reader.profile((*fact)->subject);
  std::optional<domain::Occurred> born;
  if (profile.ok() && profile->at("born").is_string()) {
    if (auto b = domain::Occurred::parse(profile->at("born").get<std::string>()); b.ok()) born = *b;
  }
  auto history = s.log.read_fact(id);
  if (!history.ok()) return problem_from_status(history.status(), req);
  Json events = Json::array();
  for (const auto& e : *history) events.push_back(domain::to_json(e));
  Response res = json_response(
      http::status::ok,
      Json{{"fact", projections::render_entry(
                        **fact, "subject", born, (*fact)->subject,
                        [&s](std::string_view celebrity) { return s.reader.name_of(celebrity); })},
           {"history", std::move(events)}},
      req);
  set_validator(res, etag);
  return res;
}

Response get_stream(Services& s, const Request& req, const RouteParams& p) {
  const std::string& stream = p.param("id");
  auto from = int_param(req, p, "from_version", 1, 1, INT64_MAX);
  if (from.error) return *from.error;
  auto limit = int_param(req, p, "limit", 100, 1, 1000);
  if (limit.error) return *limit.error;
  auto version = s.log.stream_version(stream);
  if (!version.ok()) return problem_from_status(version.status(), req);
  if (*version == 0) return unknown_celebrity(req, stream);
  // The stream's version is its ETag (what If-Match takes on an append); a
  // page of it changes only when the version does.
  const std::string etag = "\"" + std::to_string(*version) + "\"";
  if (if_none_match_hits(req, etag)) return not_modified(req, etag);
  auto events = s.log.read_stream(stream, from.value, static_cast<std::size_t>(limit.value));
  if (!events.ok()) return problem_from_status(events.status(), req);
  Json out = {{"stream", stream}, {"version", *version}, {"events", Json::array()}};
  for (const auto& e : *events) out["events"].push_back(domain::to_json(e));
  const auto last = events->empty() ? from.value - 1 : events->back().version;
  out["next_from_version"] = last < *version ? Json(last + 1) : Json(nullptr);
  Response res = json_response(http::status::ok, out, req);
  set_validator(res, etag);
  return res;
}

Response get_log(Services& s, const Request& req, const RouteParams& p) {
  auto after = int_param(req, p, "after", 0, 0, INT64_MAX);
  if (after.error) return *after.error;
  auto limit = int_param(req, p, "limit", 100, 1, 1000);
  if (limit.error) return *limit.error;
  std::set<std::string> types;
  if (auto raw = p.query_value("types")) {
    for (auto& t : split_commas(*raw)) {
      if (!domain::find_event_type(t))
        return invalid_parameter("types", "unknown event type '" + t + "'", req);
      types.insert(t);
    }
  }
  const std::int64_t head = s.log.head();
  auto events = s.log.read_all(after.value, static_cast<std::size_t>(limit.value));
  if (!events.ok()) return problem_from_status(events.status(), req);
  Json out = {{"events", Json::array()}, {"head", head}};
  std::int64_t scanned = after.value;
  for (const auto& e : *events) {
    scanned = e.position;
    if (types.empty() || types.count(e.type)) out["events"].push_back(domain::to_json(e));
  }
  // With a type filter a page may hold fewer events than it scanned; a
  // reader continues from next_after, never from its last matching event.
  out["next_after"] = scanned;
  return json_response(http::status::ok, out, req);
}

}  // namespace

bool answers_at_once(const Services& s, const Request& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return false;
  const std::string_view target = req.target();
  constexpr std::string_view kCelebrity = "/v1/celebrities/";
  if (target.substr(0, kCelebrity.size()) != kCelebrity) return false;
  if (target.find("as_of") != std::string_view::npos) return false;
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view rest = path.substr(kCelebrity.size());
  const auto slash = rest.find('/');
  if (rest.empty() || (slash != std::string_view::npos && rest.substr(slash) != "/timeline"))
    return false;
  return s.timeline.position() >= s.log.head();
}

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

// Ready: started, the store answers, and the projection has folded the log.
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

}  // namespace

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

void add_routes(Router& router, Services& s) {
  using domain::Permission;  // what each route needs: see domain/access.h
  auto bind = [&s](Response (*fn)(Services&, const Request&, const RouteParams&)) {
    return [&s, fn](const Request& req, const RouteParams& p) { return fn(s, req, p); };
  };
  router.add(http::verb::post, "/v1/celebrities/{id}/events", Permission::append,
             bind(append_events));
  router.add(http::verb::get, "/v1/celebrities/{id}/events", Permission::read, bind(get_stream));
  router.add(http::verb::get, "/v1/celebrities", Permission::read, bind(get_directory));
  router.add(http::verb::get, "/v1/celebrities/{id}", Permission::read, bind(get_profile));
  router.add(http::verb::get, "/v1/celebrities/{id}/timeline", Permission::read,
             bind(get_timeline));
  router.add(http::verb::get, "/v1/facts/{fact_id}", Permission::read, bind(get_fact));
  router.add(
      http::verb::get, "/v1/celebrities/{id}/findings", Permission::read,
      [&s](const Request& req, const RouteParams& p) { return get_findings(s, req, p, true); });
  router.add(
      http::verb::get, "/v1/findings", Permission::read,
      [&s](const Request& req, const RouteParams& p) { return get_findings(s, req, p, false); });
  router.add(http::verb::get, "/v1/events", Permission::read, bind(get_log));
  router.add(http::verb::get, "/healthz", Permission::none,
             [](const Request& req, const RouteParams&) {
               return json_response(http::status::ok, Json{{"status", "ok"}}, req);
             });
  router.add(http::verb::get, "/readyz", Permission::none,
             [&s](const Request& req, const RouteParams&) { return readiness(s, req); });
}

}  // namespace starlog::api
