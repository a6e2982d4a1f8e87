// The set of event types (CONTRACT §4) lives here, in one table: adding a type
// is one entry plus its validation and its timeline title. Type names are
// stable forever; never reuse or rename one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/json.h"
#include "domain/status.h"

namespace starlog::domain {

enum class OccurredRule { absent, required, required_interval_allowed };

// What an event of a type does to the read models, so that folds, rules and
// feeds dispatch on the table rather than on type names:
//   profile    sets its stream's profile (celebrity_registered, _updated);
//   fact       records a fact that shows on timelines (its id is the fact's);
//   amendment  corrects or retracts the fact named by data.fact_id;
//   takedown   erases the content of the fact named by data.fact_id and of
//              every amendment of it, for good (content_taken_down);
//   dismissal  hides the finding named by data.finding_id from the findings
//              lists, with a reason (finding_dismissed).
enum class EventRole { profile, fact, amendment, takedown, dismissal };

struct EventType {
  std::string_view name;
  OccurredRule occurred;
  EventRole role;
  // Only an admin may append an event of this type (content_taken_down).
  bool admin_only;
  // Checks `data` (already known to be a JSON object) against this type's
  // schema; appends every broken rule, pointers prefixed by `at` (e.g. "/data").
  void (*validate_data)(const Json& data, const std::string& at, std::vector<FieldError>& out);
  // The timeline title of a fact of this type, e.g. "Released the album Donda".
  // REQUIRES: data validated.
  std::string (*title)(const Json& data);

  // Does an event of this type record a fact that shows on a timeline?
  constexpr bool records_fact() const { return role == EventRole::fact; }
  // Does it name another event's fact in data.fact_id?
  constexpr bool names_fact() const {
    return role == EventRole::amendment || role == EventRole::takedown;
  }
};

// nullptr for an unknown type name.
const EventType* find_event_type(std::string_view name);
std::span<const EventType> all_event_types();
// The role of a type name; nullopt for an unknown one (or the empty type of
// an event whose content was taken down).
std::optional<EventRole> role_of(std::string_view name);

}  // namespace starlog::domain
