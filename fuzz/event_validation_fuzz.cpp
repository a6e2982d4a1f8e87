// libFuzzer target: a request body as the append route reads it: the depth
// guard, the JSON parser, then the domain's validation of one event or a
// batch. Must never crash, hang or trip a sanitizer; an accepted body must
// give events whose content survives canonical JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/json_guard.h"
#include "domain/event_validation.h"
#include "domain/hash_chain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace starlog;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > domain::kMaxBodyBytes) return 0;
  if (api::json_nests_deeper_than(body, api::kMaxJsonDepth)) return 0;
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto events = domain::validate_request_body(j);
  if (!events.ok()) {
    if (events.status().code() == Code::invalid && events.status().errors().empty()) std::abort();
    return 0;
  }
  if (events->empty()) std::abort();
  for (const auto& e : *events) {
    if (e.id.size() != 36) std::abort();
    (void)domain::canonical(e.data);
  }
  return 0;
}
