#include "domain/fact.h"

#include "domain/event_types.h"
#include "domain/event_validation.h"

namespace starlog::domain {

std::string_view to_string(FactStatus s) {
  switch (s) {
    case FactStatus::active:
      return "active";
    case FactStatus::corrected:
      return "corrected";
    case FactStatus::retracted:
      return "retracted";
  }
  return "active";
}

FactStatus Fact::status() const {
  // A retraction outranks corrections: the fact no longer stands at all.
  if (retraction) return FactStatus::retracted;
  if (!corrections.empty()) return FactStatus::corrected;
  return FactStatus::active;
}

Fact fact_from_event(const Event& e) {
  Fact f;
  f.id = e.id;
  f.subject = e.stream;
  f.type = e.type;
  f.occurred = e.occurred;
  f.data = e.data;
  f.participants = e.participants;
  f.sources = e.sources;
  f.position = e.position;
  f.recorded_at = e.recorded_at;
  f.recorded_by = e.recorded_by;
  return f;
}

Fact with_changes(const Fact& f, const Json& changes) {
  Fact g = f;
  if (!changes.is_object()) return g;
  if (auto it = changes.find("occurred"); it != changes.end() && it->is_string())
    g.occurred = it->get<std::string>();
  if (auto it = changes.find("participants"); it != changes.end()) g.participants = *it;
  if (auto it = changes.find("sources"); it != changes.end()) g.sources = *it;
  if (auto it = changes.find("data"); it != changes.end() && it->is_object()) {
    if (!g.data.is_object()) g.data = Json::object();
    // One level deep on purpose: a list such as tracks is one value and is
    // replaced whole, never merged element by element.
    for (const auto& [key, value] : it->items()) {
      if (value.is_null()) {
        g.data.erase(key);
      } else {
        g.data[key] = value;
      }
    }
  }
  return g;
}

std::vector<FieldError> validate_fact_content(const Fact& f, const std::string& at) {
  std::vector<FieldError> out;
  const EventType* type = find_event_type(f.type);
  if (!type || !type->records_fact()) {
    out.push_back({at, "'" + f.type + "' events record no fact"});
    return out;
  }
  const Json occurred = f.occurred ? Json(*f.occurred) : Json();
  check_content(*type, f.occurred ? &occurred : nullptr, f.data, f.participants, f.sources, at,
                out);
  return out;
}

Status apply_amendment(Fact& f, const Event& e) {
  const auto role = role_of(e.type);
  if (f.retraction) {
    return Status::conflict("fact " + f.id + " was retracted by event " + f.retraction->event_id +
                            " and cannot be " +
                            (role == EventRole::retraction ? "retracted again" : "corrected"));
  }
  Amendment a;
  a.event_id = e.id;
  if (auto it = e.data.find("reason"); it != e.data.end() && it->is_string())
    a.reason = it->get<std::string>();
  a.recorded_at = e.recorded_at;
  a.recorded_by = e.recorded_by;
  a.position = e.position;

  if (role == EventRole::retraction) {
    f.retraction = std::move(a);
    return Status::ok();
  }
  if (role != EventRole::correction) {
    return Status::invalid("not an amendment",
                           {{"/type", "a " + e.type + " event does not amend a fact"}});
  }
  static const Json kNoChanges = Json::object();
  auto it = e.data.find("changes");
  Fact corrected = with_changes(f, it != e.data.end() ? *it : kNoChanges);
  auto errors = validate_fact_content(corrected, "/data/changes");
  if (!errors.empty()) {
    return Status::invalid("the corrected fact would no longer be a valid " + f.type,
                           std::move(errors));
  }
  corrected.corrections.push_back(std::move(a));
  f = std::move(corrected);
  return Status::ok();
}

void apply_profile_event(Profile& p, const Event& e) {
  const Json& d = e.data;
  auto text = [&](const char* k) -> const Json* {
    auto it = d.find(k);
    return it != d.end() && it->is_string() ? &*it : nullptr;
  };
  auto list = [&](const char* k) -> const Json* {
    auto it = d.find(k);
    return it != d.end() && it->is_array() ? &*it : nullptr;
  };
  const auto role = role_of(e.type);
  if (role == EventRole::registration) {
    // Registration is the stream's first event: it states the whole profile.
    p = Profile{};
    p.id = e.stream;
  } else if (role != EventRole::profile_update) {
    return;
  }
  if (p.id.empty()) p.id = e.stream;
  if (const Json* v = text("name")) p.name = v->get<std::string>();
  if (const Json* v = list("aliases")) p.aliases = *v;
  if (const Json* v = text("born")) p.born = v->get<std::string>();
  if (const Json* v = list("occupations")) p.occupations = *v;
}

std::vector<std::string> participants_given(const Event& e) {
  std::vector<std::string> out;
  if (e.taken_down() || e.fact_id().empty()) return out;
  const auto role = role_of(e.type);
  const Json* list = nullptr;
  if (role == EventRole::fact) {
    list = &e.participants;
  } else if (role == EventRole::correction) {
    auto c = e.data.find("changes");
    if (c != e.data.end() && c->is_object()) {
      auto p = c->find("participants");
      if (p != c->end()) list = &*p;
    }
  }
  if (!list || !list->is_array()) return out;
  for (const auto& p : *list) {
    if (p.is_object() && p.contains("celebrity") && p["celebrity"].is_string())
      out.push_back(p["celebrity"].get<std::string>());
  }
  return out;
}

}  // namespace starlog::domain
