#include "domain/event.h"

#include "domain/event_types.h"

namespace starlog::domain {

std::string Event::fact_id() const {
  if (type == "fact_corrected" || type == "fact_retracted") {
    auto it = data.find("fact_id");
    return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  const EventType* t = find_event_type(type);
  return t && t->records_fact ? id : std::string();
}

Json to_json(const Event& e) {
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
  for (const char* k : {"id", "stream", "type", "recorded_at", "recorded_by", "hash"}) {
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

Json content_of(const Event& e) {
  return content(e.type, e.occurred, e.data, e.participants, e.sources);
}
Json content_of(const NewEvent& e) {
  return content(e.type, e.occurred, e.data, e.participants, e.sources);
}

}  // namespace starlog::domain
