#include "projections/fact_codec.h"

namespace starlog::projections {
namespace {

domain::Millis millis(std::int64_t ms) { return domain::Millis(std::chrono::milliseconds(ms)); }
std::int64_t ms_of(domain::Millis t) { return t.time_since_epoch().count(); }

Json amendment_row(const domain::Amendment& a) {
  return {{"event_id", a.event_id},
          {"reason", a.reason},
          {"recorded_at", ms_of(a.recorded_at)},
          {"recorded_by", a.recorded_by},
          {"position", a.position}};
}

domain::Amendment amendment_from_row(const Json& j) {
  domain::Amendment a;
  a.event_id = j.at("event_id").get<std::string>();
  a.reason = j.at("reason").get<std::string>();
  a.recorded_at = millis(j.at("recorded_at").get<std::int64_t>());
  a.recorded_by = j.at("recorded_by").get<std::string>();
  a.position = j.at("position").get<std::int64_t>();
  return a;
}

}  // namespace

Json amendment_to_json(const domain::Amendment& a) {
  return {{"event_id", a.event_id},
          {"reason", a.reason},
          {"recorded_at", domain::format_instant_ms(a.recorded_at)},
          {"recorded_by", a.recorded_by}};
}

Json fact_to_json(const domain::Fact& f) {
  Json corrections = Json::array();
  for (const auto& c : f.corrections) corrections.push_back(amendment_row(c));
  Json j = {{"id", f.id},
            {"subject", f.subject},
            {"type", f.type},
            {"data", f.data},
            {"participants", f.participants},
            {"sources", f.sources},
            {"position", f.position},
            {"recorded_at", ms_of(f.recorded_at)},
            {"recorded_by", f.recorded_by},
            {"corrections", corrections},
            {"retraction", f.retraction ? amendment_row(*f.retraction) : Json(nullptr)}};
  if (f.occurred) j["occurred"] = *f.occurred;
  return j;
}

domain::Fact fact_from_json(const Json& j) {
  domain::Fact f;
  f.id = j.at("id").get<std::string>();
  f.subject = j.at("subject").get<std::string>();
  f.type = j.at("type").get<std::string>();
  if (j.contains("occurred")) f.occurred = j.at("occurred").get<std::string>();
  f.data = j.at("data");
  f.participants = j.at("participants");
  f.sources = j.at("sources");
  f.position = j.at("position").get<std::int64_t>();
  f.recorded_at = millis(j.at("recorded_at").get<std::int64_t>());
  f.recorded_by = j.at("recorded_by").get<std::string>();
  for (const auto& c : j.at("corrections")) f.corrections.push_back(amendment_from_row(c));
  if (!j.at("retraction").is_null()) f.retraction = amendment_from_row(j.at("retraction"));
  return f;
}

}  // namespace starlog::projections
