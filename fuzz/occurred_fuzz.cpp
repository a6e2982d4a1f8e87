// libFuzzer target: the date parser (docs/events.md#dates). Any text must parse or be
// refused with a message, never crash, hang or trip a sanitizer; a parsed
// date must have a sane period and re-parse to the same period.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/occurred.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = starlog::domain::Occurred::parse(text);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) std::abort();
    return 0;
  }
  const auto& o = *parsed;
  if (!(o.start() < o.end())) std::abort();
  if (o.display().empty()) std::abort();
  auto again = starlog::domain::Occurred::parse(o.text());
  if (!again.ok() || again->start() != o.start() || again->end() != o.end()) std::abort();
  return 0;
}
