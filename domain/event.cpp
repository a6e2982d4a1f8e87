#include "domain/event.h"

#include "domain/event_types.h"

namespace starlog::domain {

std::string Event::fact_id() const {
  if (erasure) return erasure->fact_id;
  const EventType* t = find_event_type(type);
  if (!t) return {};
  if (t->names_fact()) {
    auto it = data.find("fact_id");
    return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  return t->records_fact() ? id : std::string();
}

Json to_json(const Event& e) {
  if (e.erasure) {
    const Erasure& x = *e.erasure;
    return {
        {"id", e.id},
        {"stream", e.stream},
        {"version", e.version},
        {"position", e.position},
        {"recorded_at", format_instant_ms(e.recorded_at)},
        {"recorded_by", e.recorded_by},
        {"content_digest", x.content_digest},
        {"hash", e.hash},
        {"taken_down",
         {{"event_id", x.by.empty() ? Json(nullptr) : Json(x.by)},
          {"recorded_at", x.by.empty() ? Json(nullptr) : Json(format_instant_ms(x.recorded_at))},
          {"reason", x.by.empty() ? Json(nullptr) : Json(x.reason)},
          {"fact_id", x.fact_id}}}};
  }
  Json j = {
      {"id", e.id},
      {"stream", e.stream},
      {"version", e.version},
      {"position", e.position},
      {"type", e.type},
      {"data", e.data},
      {"participants", e.participants},
      {"sources", e.sources},
      {"recorded_at", format_instant_ms(e.recorded_at)},
      {"recorded_by", e.recorded_by},
      {"hash", e.hash},
  };
  if (e.occurred) j["occurred"] = *e.occurred;
  return j;
}

namespace {

// The rest of an erased envelope: its content digest and what took it down.
Result<Event> erased_from_json(Event e, const Json& j, const Json& taken_down) {
  for (const char* k : {"type", "occurred", "data", "participants", "sources"}) {
    if (j.contains(k))
      return Status::malformed(std::string("an envelope with 'taken_down' has no '") + k +
                               "': its content was erased");
  }
  Erasure x;
  auto digest = j.find("content_digest");
  if (digest == j.end() || !digest->is_string() || digest->get<std::string>().size() != 64)
    return Status::malformed(
        "envelope field 'content_digest' must be the 64 hex digits of the erased content");
  x.content_digest = digest->get<std::string>();
  if (!taken_down.is_object())
    return Status::malformed("envelope field 'taken_down' must be an object");
  auto fact = taken_down.find("fact_id");
  if (fact == taken_down.end() || !fact->is_string())
    return Status::malformed("envelope field 'taken_down.fact_id' must be a string");
  x.fact_id = fact->get<std::string>();
  // The rest describes the takedown, which the log holds as an event of
  // its own; a restore reads it from there, not from here.
  if (auto by = taken_down.find("event_id"); by != taken_down.end() && by->is_string())
    x.by = by->get<std::string>();
  if (auto r = taken_down.find("reason"); r != taken_down.end() && r->is_string())
    x.reason = r->get<std::string>();
  if (auto t = taken_down.find("recorded_at"); t != taken_down.end() && t->is_string()) {
    if (auto when = parse_instant(t->get<std::string>())) x.recorded_at = *when;
  }
  e.erasure = std::move(x);
  return e;
}

}  // namespace

Result<Event> event_from_json(const Json& j) {
  if (!j.is_object()) return Status::malformed("an event envelope must be a JSON object");
  Event e;
  auto need_string = [&](const char* k, std::string& out) -> bool {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto need_int = [&](const char* k, std::int64_t& out) -> bool {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return false;
    out = it->get<std::int64_t>();
    return true;
  };
  std::string recorded_at;
  const auto taken_down = j.find("taken_down");
  const bool erased = taken_down != j.end();
  for (const char* k : {"id", "stream", "type", "recorded_at", "recorded_by", "hash"}) {
    if (erased && std::string_view(k) == "type") continue;
    std::string tmp;
    if (!need_string(k, tmp))
      return Status::malformed(std::string("envelope field '") + k + "' must be a string");
  }
  need_string("id", e.id);
  need_string("stream", e.stream);
  need_string("type", e.type);
  need_string("recorded_at", recorded_at);
  need_string("recorded_by", e.recorded_by);
  need_string("hash", e.hash);
  if (!need_int("version", e.version) || !need_int("position", e.position))
    return Status::malformed("envelope fields 'version' and 'position' must be integers");
  auto at = parse_instant(recorded_at);
  if (!at) return Status::malformed("envelope field 'recorded_at' is not an RFC 3339 instant");
  e.recorded_at = *at;
  if (erased) return erased_from_json(std::move(e), j, *taken_down);
  if (auto it = j.find("occurred"); it != j.end()) {
    if (!it->is_string()) return Status::malformed("envelope field 'occurred' must be a string");
    e.occurred = it->get<std::string>();
  }
  auto take = [&](const char* k, Json& out, bool object) -> bool {
    auto it = j.find(k);
    if (it == j.end()) return true;
    if (object ? !it->is_object() : !it->is_array()) return false;
    out = *it;
    return true;
  };
  if (!take("data", e.data, true))
    return Status::malformed("envelope field 'data' must be an object");
  if (!take("participants", e.participants, false))
    return Status::malformed("envelope field 'participants' must be an array");
  if (!take("sources", e.sources, false))
    return Status::malformed("envelope field 'sources' must be an array");
  return e;
}

namespace {
Json content(const std::string& type, const std::optional<std::string>& occurred, const Json& data,
             const Json& participants, const Json& sources) {
  Json c = {{"type", type}, {"data", data}, {"participants", participants}, {"sources", sources}};
  if (occurred) c["occurred"] = *occurred;
  return c;
}
}  // namespace

NewEvent as_new_event(const Event& e) {
  NewEvent n;
  n.id = e.id;
  n.type = e.type;
  n.occurred = e.occurred;
  n.data = e.data;
  n.participants = e.participants;
  n.sources = e.sources;
  return n;
}

Json content_of(const Event& e) {
  return content(e.type, e.occurred, e.data, e.participants, e.sources);
}
Json content_of(const NewEvent& e) {
  return content(e.type, e.occurred, e.data, e.participants, e.sources);
}

}  // namespace starlog::domain
