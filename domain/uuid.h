// UUIDs: event ids are UUIDs (any version) chosen by the client as the
// idempotency key, or UUIDv7 (RFC 9562) made by the server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace starlog::domain {

// A new UUIDv7 from the current time and a CSPRNG. Thread-safe.
std::string make_uuid_v7();
// The canonical lower-case 8-4-4-4-12 form, or nullopt if `text` is not a UUID.
std::optional<std::string> normalize_uuid(std::string_view text);

}  // namespace starlog::domain
