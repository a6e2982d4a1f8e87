// The one JSON type of the code base. nlohmann::json keeps object keys sorted,
// which is what canonical() in domain/canonical_json.h relies on.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace starlog {
using Json = nlohmann::json;

// A document as the API sends it: compact, invalid UTF-8 replaced.
inline std::string to_wire(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
}  // namespace starlog
