// Time travel (CONTRACT §6 as_of/as_of_position, §8 replay): one
// celebrity's timeline exactly as it stood at a log position, corrections
// and retractions included only if recorded by then.
//
// It is folded afresh, not read from the live projection: the celebrity's
// events up to the position (EventStore::read_celebrity, an index read:
// its stream and every event of each fact it was ever a participant of) go
// through the same TimelineProjection fold into scratch memory, and the same
// TimelineReader renders them. So the answer is the live timeline's format
// byte for byte, and its cost follows this celebrity's events, not the log.
#pragma once

#include <cstdint>

#include "domain/json.h"
#include "domain/status.h"
#include "projections/timeline_reader.h"
#include "store/event_store.h"

namespace starlog::projections {

// The timeline document of `q` (filters, order, limit and cursor apply as
// on the live timeline) as of `position`, which the document reports as its
// "position". not_found when the celebrity was not registered by then.
// REQUIRES: 0 <= position <= log.head().
Result<Json> timeline_at(store::EventStore& log, const TimelineQuery& q, std::int64_t position);

}  // namespace starlog::projections
