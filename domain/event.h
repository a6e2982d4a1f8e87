// The event envelope (CONTRACT §3) and what a client sends to make one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/json.h"
#include "domain/occurred.h"

namespace starlog::domain {

// What an editor sends, after validation (domain/event_validation.h). The
// content (type, occurred, data, participants, sources) is what idempotency
// compares and what the hash chain digests.
struct NewEvent {
  std::string id;             // UUID, lower-case canonical form
  bool id_generated = false;  // the server made the id (UUIDv7)
  std::string type;
  std::optional<std::string> occurred;  // text as sent; absent for types without a date
  Json data = Json::object();
  Json participants = Json::array();  // [{"celebrity": id, "role": text?}]
  Json sources = Json::array();       // [{"url", "publisher"?, "quote"?}]
};

// A stored event: content plus what the server assigned.
struct Event {
  std::string id;
  std::string stream;
  std::int64_t version = 0;   // 1, 2, 3, ... within the stream
  std::int64_t position = 0;  // 1, 2, 3, ... within the log
  std::string type;
  std::optional<std::string> occurred;
  Json data = Json::object();
  Json participants = Json::array();
  Json sources = Json::array();
  Millis recorded_at{};
  std::string recorded_by;
  std::string hash;  // 64 lower-case hex digits, see domain/hash_chain.h

  // The fact an event is about: its own id for a fact-recording event, the
  // data.fact_id of a correction or retraction, empty for profile events.
  std::string fact_id() const;
};

// The envelope as JSON, exactly as stored, exported and returned (§3). An
// absent `occurred` is omitted.
Json to_json(const Event& e);
// Reads a full envelope (export/restore format). Status::malformed on a
// missing or wrongly typed field.
Result<Event> event_from_json(const Json& j);

// The content part of an event, as digested by the hash chain and compared
// for idempotency: {"type","occurred"?,"data","participants","sources"}.
Json content_of(const Event& e);
Json content_of(const NewEvent& e);

}  // namespace starlog::domain
