// The hash chain of CONTRACT §7 (see docs/audit.md for the exact bytes):
//   content_digest = SHA-256(canonical(content))
//   header         = envelope without "hash", its content fields replaced by
//                    "content_digest" (hex)
//   hash(n)        = SHA-256(hash(n-1) || canonical(header n)), hash(0) = 32 zero bytes
// where hash(n-1) enters as its 32 raw bytes and canonical() is JSON with
// sorted keys, no insignificant whitespace, UTF-8 unescaped.
#pragma once

#include <string>
#include <string_view>

#include "domain/event.h"

namespace starlog::domain {

// 64 zeros: hash(0) in hex.
const std::string& genesis_hash();
// JSON with sorted keys and no whitespace.
std::string canonical(const Json& j);
// SHA-256 of bytes, lower-case hex.
std::string sha256_hex(std::string_view bytes);
std::string content_digest(const Event& e);
Json header_of(const Event& e);
// hash(n) from hash(n-1) (hex) and event n; ignores e.hash.
std::string chain_hash(std::string_view previous_hash_hex, const Event& e);

}  // namespace starlog::domain
