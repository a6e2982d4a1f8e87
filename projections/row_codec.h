// How the value of a projection row is stored: MessagePack (nlohmann's
// to_msgpack/from_msgpack), not JSON text. A row is written once per fold
// and read on every read of it, and MessagePack is both smaller (no quotes,
// no escapes, numbers in binary) and cheaper to write and to read than JSON
// text. Deterministic, as digests need: objects are written in key order
// and every value has one encoding.
//
// Part of the projection's row format: a change here needs a bump of
// TimelineProjection::kCodeVersion (rows of another code version are
// rebuilt beside the live ones, see projections/rebuilder.h).
#pragma once

#include <string>
#include <string_view>

#include "domain/json.h"

namespace starlog::projections {

std::string encode_row(const Json& value);
// Throws Json::exception (a parse_error) when `bytes` are not one whole
// MessagePack value: callers treat that as a corrupt row.
Json decode_row(std::string_view bytes);
// The same, without throwing: a discarded value (is_discarded()) then.
Json decode_row_or_discarded(std::string_view bytes);

}  // namespace starlog::projections
