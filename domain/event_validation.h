// Validation of what a client sends (CONTRACT §4, §5): every broken rule with
// its JSON pointer, not just the first. Stateless: rules that need the stored
// log (first event of a stream, participants registered, correction targets)
// are in domain/append_rules.h.
#pragma once

#include <string>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace starlog::domain {

// Limits of §4.
inline constexpr std::size_t kMaxNameLength = 200;      // names, titles (characters)
inline constexpr std::size_t kMaxQuoteLength = 2000;    // quotes, reasons (characters)
inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxParticipants = 20;
inline constexpr std::size_t kMaxSources = 20;
inline constexpr std::size_t kMaxEventBytes = 64 * 1024;
inline constexpr std::size_t kMaxBatchEvents = 1000;
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

// Validates one client event object. `at` is the pointer prefix of this event
// in the request body ("" for a single event, "/3" for the 4th of a batch).
// On success the NewEvent has a canonical lower-case id (a fresh UUIDv7 when
// the client sent none). On failure: Status::invalid with every error.
Result<NewEvent> validate_new_event(const Json& j, const std::string& at);

// Validates a request body: one event object or a non-empty array of at most
// kMaxBatchEvents objects. Status::malformed when the top-level shape is wrong,
// Status::invalid with every error of every event otherwise.
Result<std::vector<NewEvent>> validate_request_body(const Json& body);

// True for a celebrity id slug: ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$
bool is_valid_slug(std::string_view id);

}  // namespace starlog::domain
