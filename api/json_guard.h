// A cheap guard run on a request body before it is parsed as JSON.
//
// nlohmann_json parses recursively, and copies and destroys recursively, so a
// body of 100,000 nested arrays would cost a deep stack long before the
// domain validator could refuse it for nesting (domain/event_validation.cpp
// refuses events deeper than 32 levels). This scan counts bracket depth
// outside strings in one pass and stops at the first level too deep. It does
// not validate JSON; the parser still does.
#pragma once

#include <cstddef>
#include <string_view>

namespace starlog::api {

// Deeper than any valid request: a batch array, an event, and the domain's 32
// levels inside it, with room to spare.
inline constexpr std::size_t kMaxJsonDepth = 64;

// True when `text`, read as JSON, opens more than `max_depth` arrays or
// objects at once. Pure and thread-safe; O(text.size()).
bool json_nests_deeper_than(std::string_view text, std::size_t max_depth);

}  // namespace starlog::api
