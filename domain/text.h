// Small text readers shared by the HTTP layer (headers, query parameters)
// and the command line (flag values), so that each rule is written once:
// what counts as blank around a header value, and what is a number.
//
// Numbers are read strictly: the whole text must be the number, in
// decimal, with no blank, no leading '+' and no suffix; "12abc", " 12" and
// "" are not numbers. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace starlog::domain {

// `s` without leading and trailing spaces and tabs (HTTP's optional
// whitespace, RFC 9110 §5.6.3).
std::string_view trim_blanks(std::string_view s);

// The integer `s` spells (an optional '-', then decimal digits); nullopt for
// anything else or a value outside int64.
std::optional<std::int64_t> parse_int64(std::string_view s);

// The same within [lo, hi]; nullopt outside it.
std::optional<std::int64_t> parse_int64(std::string_view s, std::int64_t lo, std::int64_t hi);

// The finite decimal number `s` spells ("0.5", "1e3", "-2"); nullopt for
// anything else, including "inf" and "nan".
std::optional<double> parse_number(std::string_view s);

}  // namespace starlog::domain
