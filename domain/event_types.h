// The set of event types (docs/events.md#event-types) lives here, in one table: adding a type
// is one entry plus its validation and its timeline title. Type names are
// stable forever; never reuse or rename one.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/json.h"
#include "domain/status.h"

namespace starlog::domain {

enum class OccurredRule { absent, required, required_interval_allowed };

// What an event of a type does to the read models and which rules of the log
// apply to it, so that folds, rules and feeds dispatch on the table rather
// than on type names:
//   registration    starts a stream and states its whole profile; only the
//                   first event of a stream (celebrity_registered);
//   profile_update  changes some fields of its stream's profile
//                   (celebrity_updated);
//   fact            records a fact that shows on timelines (its id is the fact's);
//   correction      changes the fact named by data.fact_id (fact_corrected);
//   retraction      withdraws the fact named by data.fact_id for good
//                   (fact_retracted);
//   takedown        erases the content of the fact named by data.fact_id and of
//                   every amendment of it, for good (content_taken_down);
//   dismissal       hides the finding named by data.finding_id from the findings
//                   lists, with a reason (finding_dismissed).
// Every role but fact belongs to exactly one type (type_of_role).
enum class EventRole {
  registration,
  profile_update,
  fact,
  correction,
  retraction,
  takedown,
  dismissal
};

// Whose timeline a title is written for, and the names it may use: a
// title reads from the timeline owner's side ("Married Kim Kardashian" on
// Kanye West's, "Married Kanye West" on hers) and names people by their
// registered names.
struct TitleView {
  // The celebrity whose timeline shows the fact; empty, or the fact's
  // subject: the subject's own timeline.
  std::string_view owner;
  // The fact's subject (the stream that recorded it).
  std::string_view subject;
  // The registered name of a celebrity id; given anything else (data.with
  // may be any name) it returns its argument. Unset: ids as written.
  std::function<std::string(std::string_view)> name_of;

  std::string name(std::string_view id_or_text) const {
    return name_of ? name_of(id_or_text) : std::string(id_or_text);
  }
  bool owner_is_subject() const { return owner.empty() || owner == subject; }
};

struct EventType {
  std::string_view name;
  OccurredRule occurred;
  EventRole role;
  // Only an admin may append an event of this type (content_taken_down).
  bool admin_only;
  // Checks `data` (already known to be a JSON object) against this type's
  // schema; appends every broken rule, pointers prefixed by `at` (e.g. "/data").
  void (*validate_data)(const Json& data, const std::string& at, std::vector<FieldError>& out);
  // The timeline title of a fact of this type as `view`'s owner reads it,
  // e.g. "Released the album Donda", "Kanye West released the album Donda".
  // Never throws, whatever `data` holds.
  std::string (*title)(const Json& data, const TitleView& view);

  // Does an event of this type set its stream's profile (registration or update)?
  constexpr bool sets_profile() const {
    return role == EventRole::registration || role == EventRole::profile_update;
  }
  // Does it record a fact that shows on a timeline?
  constexpr bool records_fact() const { return role == EventRole::fact; }
  // Does it correct or retract the fact named by data.fact_id?
  constexpr bool amends() const {
    return role == EventRole::correction || role == EventRole::retraction;
  }
  // Does it name another event's fact in data.fact_id (an amendment or a takedown)?
  constexpr bool names_fact() const { return amends() || role == EventRole::takedown; }
};

// A stored value in words for people: "divorce_filed" -> "divorce filed",
// "album_released" -> "Album released" with `capital`.
std::string in_words(std::string_view value, bool capital = false);

// nullptr for an unknown type name.
const EventType* find_event_type(std::string_view name);
std::span<const EventType> all_event_types();
// The role of a type name; nullopt for an unknown one (or the empty type of
// an event whose content was taken down).
std::optional<EventRole> role_of(std::string_view name);
// The one type of a role, for messages that name it ("the first event of a
// stream must be celebrity_registered"). REQUIRES: role != EventRole::fact,
// the one role many types share.
const EventType& type_of_role(EventRole role);

}  // namespace starlog::domain
