// Response compression (gzip, zlib): an answer whose body is over
// kMinCompressBytes is sent gzip-encoded when the request accepts gzip.
//
//  - Accept-Encoding is read with its q-values: "gzip;q=0" refuses gzip, a
//    "*" with q > 0 accepts it unless gzip itself is refused.
//  - Every answer whose representation could vary with Accept-Encoding (a
//    body of a compressible type) says `Vary: Accept-Encoding`, also when it
//    was sent as it is, so that caches keep the variants apart.
//  - Never compressed: bodies already encoded, 1 KiB or less, of a type
//    that does not shrink, or answers without a body (HEAD keeps the
//    identity headers of GET; 204, 304).
//  - The output is deterministic (no timestamp in the gzip header), so the
//    bytes of one ETag's gzip variant never differ (see api/caching.h).
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"

namespace starlog::api {

inline constexpr std::size_t kMinCompressBytes = 1024;

// Does this Accept-Encoding value accept gzip?
bool accepts_gzip(std::string_view accept_encoding);

// `data` as a gzip member (RFC 1952); nullopt only if zlib fails.
std::optional<std::string> gzip(std::string_view data);
// Inflates a gzip member; nullopt on corrupt input. For tests and tools.
std::optional<std::string> gunzip(std::string_view data);

// Compresses `res` in place when `req` allows it and it is worth it (see
// above); adds Vary. Sets Content-Encoding and Content-Length.
void compress_if_accepted(const Request& req, Response& res);

}  // namespace starlog::api
