// Validation of what a client sends (docs/events.md#validation): every broken rule with
// its JSON pointer, not just the first. Stateless: rules that need the stored
// log (first event of a stream, participants registered, correction targets)
// are in domain/append_rules.h.
//
// Top-level event fields are id, type, occurred, data, participants and
// sources; any other is an error. `starlog import` lines also carry `stream`:
// the importer takes it out before calling validate_new_event, so that an
// HTTP body naming a stream (which the URL decides) stays an error.
//
// Strings everywhere are valid UTF-8, not blank, and hold no control
// character (U+0000-U+001F, U+007F-U+009F); "\n" is allowed only in quotes
// and reasons (sources[].quote, statement_made.quote, data.reason). Lengths
// count Unicode code points, not bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/event_types.h"
#include "domain/status.h"

namespace starlog::domain {

// Limits (docs/events.md#limits).
inline constexpr std::size_t kMaxNameLength = 200;    // names, titles (characters)
inline constexpr std::size_t kMaxQuoteLength = 2000;  // quotes, reasons (characters)
inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxParticipants = 20;
// sources[].ages: at most this many celebrities, each 0..kMaxStatedAge years.
inline constexpr std::size_t kMaxStatedAges = 20;
inline constexpr int kMaxStatedAge = 150;
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

// Validates a stored event read back from an export (`starlog import
// --restore`) as an append would have validated it: its stream is a
// celebrity id, its id a canonical UUID, its type one of the table and its
// content valid for that type. An erased event has no content left: only
// its stream and id are checked. Status::invalid with every error, pointers
// as for one event ("/type", "/data/title").
Status validate_stored_event(const Event& e);

// True for a celebrity id slug: ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$
bool is_valid_slug(std::string_view id);

// ---- Building blocks --------------------------------------------------------
// Shared by validate_new_event, the per-type rules of domain/event_types.cpp
// and the re-validation of a corrected fact in domain/fact.cpp, so that each
// rule is written once. Each appends every broken rule to `out`, pointers
// starting with `at`; none throws.

// name: at most kMaxNameLength characters, one line (names, titles, roles...).
// long_text: at most kMaxQuoteLength characters, "\n" allowed (quotes, reasons).
enum class TextKind { name, long_text };

// RFC 6901 escaping of one reference token: "~" -> "~0", "/" -> "~1".
std::string pointer_token(std::string_view key);

// In the checks below `at` is the pointer of the checked value itself.

// `v` must be a non-blank string of `kind`. Returns whether it was.
bool check_text(const Json& v, const std::string& at, TextKind kind, std::vector<FieldError>& out);

// `v` must be an array of min_items..max_items texts of `kind`.
void check_text_array(const Json& v, const std::string& at, TextKind kind, std::size_t min_items,
                      std::size_t max_items, std::vector<FieldError>& out);

// `occurred` (nullptr when absent; `at` is its pointer, e.g. "/occurred") must
// obey `rule` for events of `type_name` and parse as a date
// (domain/occurred.h), whose message is used.
void check_occurred(const Json* occurred, OccurredRule rule, std::string_view type_name,
                    const std::string& at, std::vector<FieldError>& out);

// participants: an array of at most kMaxParticipants objects
// {"celebrity": slug, "role"?: name text}, no other keys, no celebrity twice.
void check_participants(const Json& v, const std::string& at, std::vector<FieldError>& out);

// sources: an array of at most kMaxSources objects {"url": http(s) URL with a
// host, "publisher"?: name text, "quote"?: long text, "ages"?: the ages the
// source states, {celebrity id: whole years 0..kMaxStatedAge}, at most
// kMaxStatedAges of them}, no other keys.
void check_sources(const Json& v, const std::string& at, std::vector<FieldError>& out);

// Every string anywhere inside `v` (keys too) is valid UTF-8 of at most
// kMaxQuoteLength characters without control characters other than "\n". For
// JSON whose schema is not known yet (fact_corrected's changes.data before
// the corrected fact is looked up).
void check_strings_anywhere(const Json& v, const std::string& at, std::vector<FieldError>& out);

// The content of an event or fact checked as `type`: the occurred rule, data
// (which must be an object), participants (which only fact-recording types
// may have) and sources. Here `at` is the pointer of the object holding them:
// errors go to at + "/occurred", at + "/data/...", at + "/participants/...".
void check_content(const EventType& type, const Json* occurred, const Json& data,
                   const Json& participants, const Json& sources, const std::string& at,
                   std::vector<FieldError>& out);

}  // namespace starlog::domain
