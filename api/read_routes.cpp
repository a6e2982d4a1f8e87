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

}  // namespace

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

}  // namespace starlog::api
