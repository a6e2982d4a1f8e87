// The set of event types (CONTRACT §4) lives here, in one table: adding a type
// is one entry plus its validation and its timeline title. Type names are
// stable forever; never reuse or rename one.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/json.h"
#include "domain/status.h"

namespace starlog::domain {

enum class OccurredRule { absent, required, required_interval_allowed };

struct EventType {
  std::string_view name;
  OccurredRule occurred;
  // Does an event of this type record a fact that shows on a timeline?
  bool records_fact;
  // Checks `data` (already known to be a JSON object) against this type's
  // schema; appends every broken rule, pointers prefixed by `at` (e.g. "/data").
  void (*validate_data)(const Json& data, const std::string& at, std::vector<FieldError>& out);
  // The timeline title of a fact of this type, e.g. "Released the album Donda".
  // REQUIRES: data validated.
  std::string (*title)(const Json& data);
};

// nullptr for an unknown type name.
const EventType* find_event_type(std::string_view name);
std::span<const EventType> all_event_types();

}  // namespace starlog::domain
