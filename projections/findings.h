// Findings (README.md#for-fact-checkers): claims in the log checked against the record.
// They are rows of the timeline projection (keys in timeline_keys.h), so
// they are folded, rebuilt, swapped and digested with it; the fold calls
// the functions below after it has written an event's own rows, and each
// recomputes only what the event can change:
//
//  - per fact (its row gf/<fact>): `unsourced` (an active fact without a
//    source), `before_birth` (for the subject and each participant with a
//    known `born`: the fact's start lies wholly before the birth date, so a
//    fact dated in someone's birth year, or on the birthday, is not one),
//    `age_mismatch` (a source states an age, in `ages`, for a celebrity with
//    a known `born` that no moment of the fact's start and of the birth date
//    allows: "2021" against a birth on 8 June 1977 allows 43 and 44);
//  - per group of facts (rows gg/...): `relationship_inconsistent` over a
//    stream's active relationship_changed facts with one partner in date
//    order (`separated`, `divorce_filed`, `divorced` while not married to
//    them; `married` while already married), `possible_duplicate` over a
//    timeline's active facts of one type and title whose periods overlap;
//  - a profile event that changes a celebrity's name or `born` refolds the
//    per-fact findings of every fact on its timeline or stating its age.
//
// A finding's id is derived from what it is about (kind, celebrity, facts,
// source), so the same problem keeps its id while the facts change around
// it; its position (gp/) is that of the event that first raised it, and is
// left out of the digest like revisions (a takedown can change which event
// raises a finding in a replay). A finding_dismissed event records a
// dismissal (gd/) by finding id: it hides the finding from the lists unless
// asked for, also if the problem comes back later.
//
// Findings concern one celebrity each: the one whose record the claim
// contradicts (the celebrity whose age is stated, who was not born yet, on
// whose timeline the duplicates are, whose stream holds the relationship).
// Every celebrity whose findings change is added to `touched`, so its
// revision (and the ETag of its findings) moves.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "domain/event.h"
#include "domain/fact.h"
#include "domain/status.h"
#include "projections/projection.h"

namespace starlog::projections::findings {

using Touched = std::set<std::string>;

inline constexpr std::string_view kAgeMismatch = "age_mismatch";
inline constexpr std::string_view kBeforeBirth = "before_birth";
inline constexpr std::string_view kUnsourced = "unsourced";
inline constexpr std::string_view kRelationshipInconsistent = "relationship_inconsistent";
inline constexpr std::string_view kPossibleDuplicate = "possible_duplicate";
// Every kind, in the order the API documents them.
inline constexpr std::string_view kKinds[] = {kAgeMismatch, kBeforeBirth, kUnsourced,
                                              kRelationshipInconsistent, kPossibleDuplicate};
bool is_kind(std::string_view kind);

// A fact went from `before` to `after` (nullptr: not recorded yet / taken
// down) at `position`.
Status fact_changed(PendingRows& rows, const domain::Fact* before, const domain::Fact* after,
                    std::int64_t position, Touched& touched);

// `celebrity`'s profile was set at `position`; `before` is its profile row
// before the event (null when it is new).
Status profile_changed(PendingRows& rows, const std::string& celebrity, const Json& before,
                       std::int64_t position, Touched& touched);

// A finding_dismissed event.
Status dismissed(PendingRows& rows, const domain::Event& e);

// The id of a finding: a UUID (version 8) derived from `parts`.
std::string finding_id(std::initializer_list<std::string_view> parts);

}  // namespace starlog::projections::findings
