// The event envelope (docs/events.md#the-envelope) and what a client sends to make one.
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

// What is left of an event whose content a lawful takedown erased (the
// recording event of the fact taken down, and each of its corrections and
// its retraction): the header stays, so the hash chain still verifies, and
// the content (type, occurred, data, participants, sources) is gone.
struct Erasure {
  std::string content_digest;  // of the erased content: the chain digests it
  std::string fact_id;         // the fact taken down
  // The content_taken_down event that erased it; empty when the log holds
  // no such event (an erasure without a takedown: `verify` reports it).
  std::string by;
  Millis recorded_at{};  // the takedown's
  std::string reason;    // the takedown's
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
  // Set when the content was taken down; type is then empty, occurred
  // absent, data {} and participants and sources [].
  std::optional<Erasure> erasure;

  // The fact an event is about: its own id for a fact-recording event, the
  // data.fact_id of a correction, retraction or takedown, empty for profile
  // events; for an erased event the fact that was taken down.
  std::string fact_id() const;
  bool taken_down() const { return erasure.has_value(); }
};

// The envelope as JSON, exactly as stored, exported and returned. An
// absent `occurred` is omitted. An erased event is its header (id, stream,
// version, position, recorded_at, recorded_by, content_digest, hash) plus
// "taken_down": {"event_id", "recorded_at", "reason", "fact_id"}.
Json to_json(const Event& e);
// Reads a full envelope (export/restore format), also an erased one.
// Status::malformed on a missing or wrongly typed field.
Result<Event> event_from_json(const Json& j);

// The content of a stored event as an append would have received it (id,
// type, occurred, data, participants, sources), for checking it again.
NewEvent as_new_event(const Event& e);

// The content part of an event, as digested by the hash chain and compared
// for idempotency: {"type","occurred"?,"data","participants","sources"}.
Json content_of(const Event& e);
Json content_of(const NewEvent& e);

}  // namespace starlog::domain
