// Request-target parsing: path and query split, percent-decoding, query
// parameters, path segments. No Beast here, so it is cheap to include and to
// test.
//
// Decisions:
//  - A repeated query key ("limit=1&limit=9") is an error, not "last wins":
//    silently picking one of two contradicting values hides client bugs, and
//    list-valued parameters in this API are comma lists (types=a,b).
//  - Decoded text must be valid UTF-8 without NUL; anything else is an error.
//  - '+' means space in the query (HTML form encoding) but not in the path.
//  - A key without '=' ("include") has the empty value; empty pairs from
//    "a=1&&b=2" or a trailing '&' are skipped.
//  - Path segments are split on '/' before decoding, so an encoded "%2F"
//    stays inside one segment. Empty segments are kept ("/a//b" has an empty
//    middle segment), so sloppy paths do not match routes by accident.
// All functions are pure and thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace starlog::api {

// The raw, still-encoded parts of a request target "path?query".
struct Target {
  std::string_view path;   // everything before the first '?'
  std::string_view query;  // everything after it; empty when there is none
};
Target split_target(std::string_view target);

// Percent-decodes `text`; with plus_as_space, '+' becomes ' '. Returns nullopt
// for a '%' not followed by two hex digits, a decoded NUL, or a result that is
// not valid UTF-8.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

using QueryParams = std::map<std::string, std::string, std::less<>>;

struct QueryError {
  std::string parameter;  // the (decoded if possible, else raw) key at fault
  std::string message;    // a sentence for the problem detail
};

// Parsed query parameters, or the first error. `params` is meaningful only
// when `error` is empty.
struct ParsedQuery {
  QueryParams params;
  std::optional<QueryError> error;
  bool ok() const { return !error.has_value(); }
};
ParsedQuery parse_query(std::string_view raw_query);

// The decoded segments of an origin-form path: "/v1/celebrities/kanye-west"
// -> {"v1", "celebrities", "kanye-west"}; "/" -> {}. nullopt when the path
// does not start with '/' or a segment does not decode.
std::optional<std::vector<std::string>> split_path(std::string_view raw_path);

}  // namespace starlog::api
