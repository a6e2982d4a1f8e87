// The one JSON type of the code base. nlohmann::json keeps object keys sorted,
// which is what canonical() in domain/canonical_json.h relies on.
#pragma once

#include <nlohmann/json.hpp>

namespace starlog {
using Json = nlohmann::json;
}  // namespace starlog
