// HTTP caching of reads (README.md#caching-with-etag): strong ETags, If-None-Match -> 304,
// Cache-Control: no-cache.
//
// An ETag here is derived from what an answer depends on — the revision of
// the state it is built from, the version of the code that renders it and
// the normalized query — never from the answer's bytes, so a 304 is decided
// with one key lookup and no body is built. A handler reads the revision
// BEFORE it builds the body: if the state moves in between, the body is newer
// than its tag, and the next request simply gets a 200 again; the other order
// could pin a stale body behind a current tag.
//
// The same ETag serves the identity and the gzip representation (see
// api/compression.h): gzip output is a function of the identity bytes, and
// `Vary: Accept-Encoding` keeps caches' variants apart. Suffixing the tag
// per coding (Apache's "-gzip") breaks If-None-Match revalidation in
// practice and would make stream ETags unusable in If-Match.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"
#include "api/router.h"

namespace starlog::api {

// `"<resource>-<revision>-<hash>"` where hash covers code_version, the path
// parameters and the query (keys in sorted order, so parameter order plays
// no part). Strong: two answers with the same tag are byte-identical (same
// coding).
std::string derived_etag(std::string_view resource, std::int64_t revision,
                         std::int64_t code_version, const RouteParams& params);

// Does the request's If-None-Match match `etag`? Weak comparison (RFC 9110
// §13.1.2: W/ prefixes are ignored), a comma-separated list of tags, and "*"
// (matches any current representation). Absent header: false.
bool if_none_match_hits(const Request& req, std::string_view etag);

// 304 Not Modified: ETag and Cache-Control as the 200 would have them, no
// body.
Response not_modified(const Request& req, std::string_view etag);

// Sets ETag and `Cache-Control: no-cache` (clients may store, but must
// revalidate every time: the timeline changes whenever an editor appends).
void set_validator(Response& res, std::string_view etag);

// The usual shape of a cacheable read: 304 if the client has `etag`,
// otherwise build() (a Response), tagged with `etag` when it is a 200.
template <class Build>
Response conditional_get(const Request& req, const std::string& etag, Build&& build) {
  if (if_none_match_hits(req, etag)) return not_modified(req, etag);
  Response res = build();
  if (res.result() == http::status::ok) set_validator(res, etag);
  return res;
}

}  // namespace starlog::api
