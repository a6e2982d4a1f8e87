#include "store/event_row.h"

namespace starlog::store {

Status event_from_columns(const EventColumns& c, domain::Event& e) {
  e.position = c.position;
  e.id = c.id;
  e.stream = c.stream;
  e.version = c.version;
  e.type = c.type;
  e.occurred.reset();
  if (c.occurred) e.occurred = std::string(*c.occurred);
  e.recorded_at = domain::Millis(std::chrono::milliseconds(c.recorded_at_ms));
  e.recorded_by = c.recorded_by;
  e.hash = c.hash;
  if (e.type.empty()) {
    // Taken down: the header, the digest of what was erased, and the takedown.
    domain::Erasure x;
    x.content_digest = c.content_digest;
    if (c.fact_id) x.fact_id = *c.fact_id;
    if (c.takedown) {
      Json t = Json::parse(*c.takedown, nullptr, /*allow_exceptions=*/false);
      if (t.is_array() && t.size() == 3 && t[0].is_string() && t[1].is_number_integer()) {
        x.by = t[0].get<std::string>();
        x.recorded_at = domain::Millis(std::chrono::milliseconds(t[1].get<std::int64_t>()));
        if (t[2].is_string()) x.reason = t[2].get<std::string>();
      }
    }
    e.occurred.reset();
    e.data = Json::object();
    e.participants = Json::array();
    e.sources = Json::array();
    e.erasure = std::move(x);
    return Status::ok();
  }
  Status first;
  auto take = [&](std::string_view text, const char* name, Json& out) {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      out = std::move(j);
    } else if (first.is_ok()) {
      first = Status::corrupt("event at position " + std::to_string(c.position) + ": column '" +
                              name + "' is not JSON");
    }
  };
  take(c.data, "data", e.data);
  take(c.participants, "participants", e.participants);
  take(c.sources, "sources", e.sources);
  return first;
}

}  // namespace starlog::store
