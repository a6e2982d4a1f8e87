// The hash chain (see docs/audit.md for the exact bytes):
//   content_digest = SHA-256(canonical(content))
//   header         = envelope without "hash", its content fields replaced by
//                    "content_digest" (hex)
//   hash(n)        = SHA-256(hash(n-1) || canonical(header n)), hash(0) = 32 zero bytes
// where hash(n-1) enters as its 32 raw bytes and canonical() is JSON with
// sorted keys, no insignificant whitespace, UTF-8 unescaped.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
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
// For an erased event (Event::erasure), the digest of the content it had.
std::string content_digest(const Event& e);
// The same content digest of an event not yet stored (idempotency compares it).
std::string content_digest(const NewEvent& e);
Json header_of(const Event& e);
// The header with a content digest given rather than computed: the one
// stored beside the event, or one already computed by the caller.
Json header_of(const Event& e, std::string_view content_digest_hex);
// hash(n) from hash(n-1) (hex) and event n; ignores e.hash. Throws
// std::invalid_argument when previous_hash_hex is not 64 hex digits.
std::string chain_hash(std::string_view previous_hash_hex, const Event& e);
std::string chain_hash(std::string_view previous_hash_hex, const Event& e,
                       std::string_view content_digest_hex);

// ChainVerifier: checks a stored log link by link, fed in position order
// from position 1. A link holds when its position and stream version
// continue the log without a gap, its recorded_at does not run backwards,
// the stored content digest is the digest of its content, and its hash is
// chain_hash(stored hash of the previous event, event, stored digest).
// An erased event (a lawful takedown) holds when its stored digest chains
// and the log holds the takedown that erased it; an erased event without
// one is a break. Each link is checked against the previous *stored* hash, so one altered
// event is reported at its own position only.
// Not thread-safe.
class ChainVerifier {
 public:
  // Checks the next stored event. Returns "" when the link holds, else
  // what is wrong; the first problem is remembered.
  std::string check(const Event& e, std::string_view stored_content_digest);
  // The next stored event cannot even be read (`what` says why): a break
  // at its position.
  void damaged(const Event& e, const std::string& what);

  std::int64_t events() const { return events_; }
  // The stored hash of the last event seen (genesis_hash() for none).
  const std::string& head_hash() const { return previous_hash_; }
  bool ok() const { return !first_bad_position_; }
  std::optional<std::int64_t> first_bad_position() const { return first_bad_position_; }
  const std::string& first_problem() const { return first_problem_; }
  std::int64_t bad_links() const { return bad_links_; }

 private:
  std::string problem_of(const Event& e, std::string_view stored_content_digest);
  void advance(const Event& e, const std::string& problem, std::int64_t bad_position);

  std::int64_t events_ = 0;
  std::int64_t last_position_ = 0;
  std::int64_t last_recorded_ms_ = std::numeric_limits<std::int64_t>::min();
  std::string previous_hash_ = genesis_hash();
  std::map<std::string, std::int64_t, std::less<>> versions_;
  std::optional<std::int64_t> first_bad_position_;
  std::string first_problem_;
  std::int64_t bad_links_ = 0;
};

}  // namespace starlog::domain
