// How a folded fact is kept in a projection row: a JSON value with every
// field of domain::Fact, stored as MessagePack (projections/row_codec.h).
// Stable within one projection code version (see
// TimelineProjection::kCodeVersion); a change here needs a version bump.
#pragma once

#include "domain/fact.h"
#include "domain/json.h"

namespace starlog::projections {

Json fact_to_json(const domain::Fact& f);
// REQUIRES: j was written by fact_to_json (a projection row); throws
// nlohmann::json::exception otherwise, which callers treat as corruption.
domain::Fact fact_from_json(const Json& j);

Json amendment_to_json(const domain::Amendment& a);

}  // namespace starlog::projections
