// Folding rules for one fact and one celebrity profile: what the log says
// about them after every event so far. Pure functions over events; both the
// append-time rule checks and the projections use them, so they can never
// disagree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace starlog::domain {

struct Amendment {  // one correction or the retraction of a fact
  std::string event_id;
  std::string reason;
  Millis recorded_at{};
  std::string recorded_by;
  std::int64_t position = 0;
};

enum class FactStatus { active, corrected, retracted };
std::string_view to_string(FactStatus s);

struct Fact {
  std::string id;       // id of the recording event
  std::string subject;  // its stream
  std::string type;
  std::optional<std::string> occurred;
  Json data = Json::object();
  Json participants = Json::array();
  Json sources = Json::array();
  std::int64_t position = 0;  // of the recording event
  Millis recorded_at{};
  std::string recorded_by;
  std::vector<Amendment> corrections;
  std::optional<Amendment> retraction;

  FactStatus status() const;
};

// REQUIRES: find_event_type(e.type)->records_fact.
Fact fact_from_event(const Event& e);

// Applies `changes` of a fact_corrected event to a copy of `f` (occurred,
// participants, sources replace; data merges key by key, a null value removes
// the key) and returns it; does not record the amendment.
Fact with_changes(const Fact& f, const Json& changes);

// Applies a fact_corrected or fact_retracted event to `f`.
// REQUIRES: e.fact_id() == f.id.
// Status::conflict when f is already retracted; Status::invalid (pointers
// under "/data/changes") when the corrected fact no longer validates as its
// type. On failure `f` is unchanged.
Status apply_amendment(Fact& f, const Event& e);

// The celebrities an event names as its fact's participants: a recording
// event's participants, a correction's changes.participants (which replace
// the fact's); none for other events and erased ones. What a store indexes
// so that a celebrity's timeline can be read without a scan of the log.
std::vector<std::string> participants_given(const Event& e);

// Every broken rule of the fact's content validated as its type, pointers
// prefixed by `at` (e.g. "/data/changes" for a correction).
std::vector<FieldError> validate_fact_content(const Fact& f, const std::string& at);

struct Profile {
  std::string id;
  std::string name;
  Json aliases = Json::array();
  std::optional<std::string> born;
  Json occupations = Json::array();
};

// Applies celebrity_registered or celebrity_updated. REQUIRES: validated event.
void apply_profile_event(Profile& p, const Event& e);

}  // namespace starlog::domain
