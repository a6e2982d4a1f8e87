// Row keys of the timeline projection. Keys sort bytewise in the order the
// API serves them, so a timeline page is one range scan:
//
//   c/<celebrity>                      profile (directory entry)
//   f/<fact_id>                        the folded fact (fact_codec.h)
//   t/<celebrity>/<sort>               one timeline entry of a celebrity
//   r/<celebrity>                      revision: the log position of the last
//                                      event that changed this celebrity's
//                                      profile, timeline or findings rows
//                                      (decimal)
//
// Findings (projections/findings.h), in the same projection:
//   g/<celebrity>/<finding_id>         a finding about the celebrity
//   gk/<kind>/<celebrity>/<finding_id> the same, listed by kind (empty value)
//   gp/<finding_id>                    the position that raised it (decimal;
//                                      not digested, like revisions)
//   gd/<finding_id>                    its dismissal
//   gf/<fact_id>                       the findings a fact raises by itself
//   gg/<group>                         a group of facts checked together and
//                                      the findings it raises
//   ga/<celebrity>/<fact_id>           the fact's sources state the
//                                      celebrity's age (empty value)
//
// <sort> = 16 hex digits of (start ms + bias), 1 digit of precision
// (coarser first), 16 hex digits of the fact's position: timeline order of
// docs/events.md#timeline-order (start, then coarser precision, then position). The bias makes
// year 0001 non-negative.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/occurred.h"

namespace starlog::projections::keys {

std::string profile(std::string_view celebrity);
inline constexpr std::string_view kProfilePrefix = "c/";
std::string fact(std::string_view fact_id);
std::string timeline_prefix(std::string_view celebrity);
std::string sort_part(domain::Millis start, domain::Precision precision, std::int64_t position);
std::string timeline(std::string_view celebrity, std::string_view sort);
std::string revision(std::string_view celebrity);
inline constexpr std::string_view kRevisionPrefix = "r/";

std::string finding(std::string_view celebrity, std::string_view finding_id);
std::string finding_prefix(std::string_view celebrity);  // "g/<celebrity>/"
inline constexpr std::string_view kFindingPrefix = "g/";
std::string finding_by_kind(std::string_view kind, std::string_view celebrity,
                            std::string_view finding_id);
std::string finding_kind_prefix(std::string_view kind);  // "gk/<kind>/"
std::string finding_position(std::string_view finding_id);
inline constexpr std::string_view kFindingPositionPrefix = "gp/";
std::string dismissal(std::string_view finding_id);
std::string fact_findings(std::string_view fact_id);
std::string finding_group(std::string_view group);
std::string stated_age(std::string_view celebrity, std::string_view fact_id);
std::string stated_age_prefix(std::string_view celebrity);

// The smallest key greater than every key starting with `prefix`.
std::string prefix_end(std::string_view prefix);

// Cursors are the sort part of the last entry served, base64url-encoded so
// clients treat them as opaque. nullopt when `cursor` was not made by encode.
std::string encode_cursor(std::string_view sort, bool descending);
struct Cursor {
  std::string sort;
  bool descending = false;
};
std::optional<Cursor> decode_cursor(std::string_view cursor);

// Generic opaque cursor for other listings (the directory's last id).
std::string encode_opaque(std::string_view raw);
std::optional<std::string> decode_opaque(std::string_view cursor);

}  // namespace starlog::projections::keys
