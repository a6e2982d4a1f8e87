// Stateful rules (docs/events.md#append-rules). Which failure wins when several events of a
// batch break rules: the first failing event decides the category. Its 422
// rules (first event, participants, fact exists / same stream / is a fact /
// corrected fact still valid) are checked before the 409 one (not retracted),
// so:
//  - if the first failing event breaks any 422 rule, the answer is
//    Status::invalid with every 422 error of every event (later conflicts are
//    not reported: the batch must be fixed and resent anyway);
//  - if it only breaks the 409 rule, the answer is Status::conflict at once.
#include "domain/append_rules.h"

#include <map>
#include <string>

#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/fact.h"
#include "domain/uuid.h"

namespace starlog::domain {
namespace {

using Errors = std::vector<FieldError>;

bool names_fact(std::string_view type) {
  const EventType* t = find_event_type(type);
  return t && t->names_fact();
}

// The takedown among a fact's events (nullptr when none): the fact's content
// is gone, and nothing may amend or take it down again.
const Event* takedown_in(const std::vector<Event>& history) {
  for (const Event& e : history) {
    if (role_of(e.type) == EventRole::takedown) return &e;
  }
  return nullptr;
}

Event as_event(const NewEvent& ne, std::string_view stream, std::int64_t version) {
  Event e;
  e.id = ne.id;
  e.stream = std::string(stream);
  e.version = version;
  e.type = ne.type;
  e.occurred = ne.occurred;
  e.data = ne.data;
  e.participants = ne.participants;
  e.sources = ne.sources;
  return e;
}

class Checker {
 public:
  Checker(std::string_view stream, LogView& view) : stream_(stream), view_(view) {}

  // participants: validated shape; each celebrity registered and not the subject.
  void participants_registered(const Json& participants, const std::string& at, Errors& out) {
    if (!participants.is_array()) return;
    for (std::size_t k = 0; k < participants.size(); ++k) {
      const Json& p = participants[k];
      if (!p.is_object() || !p.contains("celebrity") || !p["celebrity"].is_string()) continue;
      const std::string id = p["celebrity"].get<std::string>();
      const std::string here = at + "/" + std::to_string(k) + "/celebrity";
      if (id == stream_) {
        // The subject already owns the fact; listing them again would put the
        // fact twice on one timeline, once as subject and once as participant.
        out.push_back(
            {here, "'" + id + "' is the subject of this stream and cannot also be a participant"});
      } else if (!registered(id)) {
        out.push_back({here, "'" + id + "' is not a registered celebrity"});
      }
    }
  }

  // The type of the event with this id, stored or earlier in the batch.
  std::optional<std::string> type_of(const std::string& id, const std::vector<Event>& earlier) {
    for (const Event& e : earlier) {
      if (e.id == id) return e.type;
    }
    return view_.event_type(id);
  }

  // Every event about `fact_id`: stored ones first, then earlier ones of the batch.
  std::vector<Event> history(const std::string& fact_id, const std::vector<Event>& earlier) {
    std::vector<Event> h = view_.fact_events(fact_id);
    for (const Event& e : earlier) {
      if (e.id == fact_id || e.fact_id() == fact_id) h.push_back(e);
    }
    return h;
  }

 private:
  bool registered(const std::string& id) {
    auto [it, fresh] = cache_.emplace(id, false);
    if (fresh) it->second = view_.stream_version(id) > 0;
    return it->second;
  }

  std::string stream_;
  LogView& view_;
  std::map<std::string, bool> cache_;  // one store lookup per celebrity per append
};

}  // namespace

Status check_append_rules(std::string_view stream, std::int64_t stream_version,
                          const std::vector<NewEvent>& batch, bool is_batch, LogView& view) {
  Checker checker(stream, view);
  Errors errors;
  std::vector<Event> earlier;  // events of this batch already checked, as if stored
  earlier.reserve(batch.size());
  const std::string name(stream);
  const std::string registration_name(type_of_role(EventRole::registration).name);
  const std::string update_name(type_of_role(EventRole::profile_update).name);

  for (std::size_t i = 0; i < batch.size(); ++i) {
    const NewEvent& ne = batch[i];
    std::string at;  // built in two steps: GCC 12 warns falsely (-Wrestrict) on "/" + to_string
    if (is_batch) at = '/' + std::to_string(i);
    const std::int64_t version_before = stream_version + static_cast<std::int64_t>(i);

    const bool registration = role_of(ne.type) == EventRole::registration;
    if (version_before == 0 && !registration) {
      errors.push_back({at + "/type", "the first event of a stream must be " + registration_name +
                                          " ('" + name + "' is not registered yet)"});
    } else if (version_before > 0 && registration) {
      errors.push_back({at + "/type", "'" + name + "' is already registered; " + registration_name +
                                          " is only the first event of a stream (use " +
                                          update_name + ")"});
    }

    checker.participants_registered(ne.participants, at + "/participants", errors);

    Status conflict;
    if (names_fact(ne.type)) {
      const bool takedown = role_of(ne.type) == EventRole::takedown;
      const Json* changes = nullptr;
      if (auto it = ne.data.find("changes"); it != ne.data.end() && it->is_object()) {
        changes = &*it;
        if (auto p = changes->find("participants"); p != changes->end())
          checker.participants_registered(*p, at + "/data/changes/participants", errors);
      }
      std::string fact_id;
      if (auto it = ne.data.find("fact_id"); it != ne.data.end() && it->is_string())
        fact_id = normalize_uuid(it->get<std::string>()).value_or(it->get<std::string>());
      const std::string fact_at = at + "/data/fact_id";
      const std::vector<Event> h = checker.history(fact_id, earlier);
      const EventType* head_type = h.empty() ? nullptr : find_event_type(h.front().type);
      const Event* taken_down = takedown_in(h);
      if (h.empty() || h.front().id != fact_id) {
        const auto type = checker.type_of(fact_id, earlier);
        if (type && role_of(*type) == EventRole::takedown) {
          conflict = Status::conflict("event " + fact_id + " is a " + *type +
                                      " event; a takedown is never taken down or amended itself");
        } else if (type) {
          errors.push_back({fact_at, "event " + fact_id + " is a " + *type +
                                         " event, which records no fact to " +
                                         (takedown ? "take down" : "amend")});
        } else {
          errors.push_back({fact_at, "no fact with id " + fact_id + " exists"});
        }
      } else if (h.front().stream != name) {
        errors.push_back({fact_at, "fact " + fact_id + " belongs to '" + h.front().stream +
                                       "', not to '" + name + "'; " +
                                       (takedown ? "take it down" : "amend it") +
                                       " in its own stream"});
      } else if (taken_down || h.front().taken_down()) {
        const std::string by =
            taken_down ? taken_down->id : (h.front().erasure ? h.front().erasure->by : "");
        conflict = Status::conflict("fact " + fact_id + " was taken down by event " + by +
                                    (takedown ? " already" : " and cannot be amended"));
      } else if (!head_type || !head_type->records_fact()) {
        errors.push_back({fact_at, "event " + fact_id + " is a " + h.front().type +
                                       " event, which records no fact to amend"});
      } else if (!takedown) {
        Fact f = fact_from_event(h.front());
        // Stored amendments were checked when appended; earlier ones of this
        // batch that failed leave the fact unchanged, as they will not be stored.
        for (std::size_t k = 1; k < h.size(); ++k) (void)apply_amendment(f, h[k]);
        Status s = apply_amendment(f, as_event(ne, stream, version_before + 1));
        if (s.code() == Code::conflict) {
          conflict = s;
        } else if (!s.is_ok()) {
          for (const FieldError& e : s.errors()) errors.push_back({at + e.pointer, e.message});
        }
      }
    }
    if (!conflict.is_ok() && errors.empty()) return conflict;

    earlier.push_back(as_event(ne, stream, version_before + 1));
  }

  if (!errors.empty()) {
    return Status::invalid(errors.size() == 1 ? "the event breaks a rule of the log"
                                              : "the events break rules of the log",
                           std::move(errors));
  }
  return Status::ok();
}

}  // namespace starlog::domain
