#include "domain/hash_chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace starlog::domain {
namespace {

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<unsigned char, 32> from_hex32(std::string_view hex) {
  std::array<unsigned char, 32> out{};
  if (hex.size() != 64) throw std::invalid_argument("hash must be 64 hex digits");
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument("hash must be 64 hex digits");
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

const std::string& genesis_hash() {
  static const std::string zeros(64, '0');
  return zeros;
}

std::string canonical(const Json& j) {
  // nlohmann::json stores objects in a std::map, so keys come out sorted;
  // dump() without indent has no insignificant whitespace; ensure_ascii=false
  // keeps UTF-8 as is; invalid UTF-8 cannot reach here (validated on input).
  return j.dump(-1, ' ', false, Json::error_handler_t::strict);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex(digest, len);
}

namespace {

// canonical(content_of(e)) without copying the content into a new document
// first: the keys in their sorted order, each value canonical on its own.
// (Every append pays for this; hash_chain_test pins the bytes.)
template <class E>
std::string canonical_content(const E& e) {
  std::string out = "{\"data\":";
  out += canonical(e.data);
  if (e.occurred) {
    out += ",\"occurred\":";
    out += canonical(Json(*e.occurred));
  }
  out += ",\"participants\":";
  out += canonical(e.participants);
  out += ",\"sources\":";
  out += canonical(e.sources);
  out += ",\"type\":";
  out += canonical(Json(e.type));
  out += '}';
  return out;
}

}  // namespace

std::string content_digest(const Event& e) {
  if (e.erasure) return e.erasure->content_digest;  // the content is gone; its digest stays
  return sha256_hex(canonical_content(e));
}
std::string content_digest(const NewEvent& e) { return sha256_hex(canonical_content(e)); }

Json header_of(const Event& e) { return header_of(e, content_digest(e)); }

Json header_of(const Event& e, std::string_view content_digest_hex) {
  // The envelope's fields other than the content and the hash (to_json
  // less those; a test keeps the two in step), without copying the content.
  return Json{{"id", e.id},
              {"stream", e.stream},
              {"version", e.version},
              {"position", e.position},
              {"recorded_at", format_instant_ms(e.recorded_at)},
              {"recorded_by", e.recorded_by},
              {"content_digest", std::string(content_digest_hex)}};
}

std::string chain_hash(std::string_view previous_hash_hex, const Event& e) {
  return chain_hash(previous_hash_hex, e, content_digest(e));
}

std::string chain_hash(std::string_view previous_hash_hex, const Event& e,
                       std::string_view content_digest_hex) {
  const auto prev = from_hex32(previous_hash_hex);
  std::string bytes(reinterpret_cast<const char*>(prev.data()), prev.size());
  bytes += canonical(header_of(e, content_digest_hex));
  return sha256_hex(bytes);
}

// ---------------------------------------------------------------------------
// ChainVerifier

std::string ChainVerifier::problem_of(const Event& e, std::string_view stored_content_digest) {
  const std::string at = "position " + std::to_string(e.position) + ": ";
  if (e.position != last_position_ + 1)
    return "position " + std::to_string(last_position_ + 1) +
           ": the event is missing (the log continues at position " + std::to_string(e.position) +
           ")";
  auto v = versions_.find(e.stream);
  const std::int64_t expected_version = (v == versions_.end() ? 0 : v->second) + 1;
  if (e.version != expected_version)
    return at + "stream " + e.stream + " continues at version " + std::to_string(expected_version) +
           ", not " + std::to_string(e.version);
  if (e.recorded_at.time_since_epoch().count() < last_recorded_ms_)
    return at + "recorded_at runs backwards";
  if (e.erasure && e.erasure->by.empty())
    return at + "the content was erased, but no content_taken_down event names fact " +
           e.erasure->fact_id;
  if (content_digest(e) != stored_content_digest)
    return at + "the content does not match its stored content_digest";
  std::string expected_hash;
  try {
    expected_hash = chain_hash(previous_hash_, e, stored_content_digest);
  } catch (const std::invalid_argument&) {
    return at + "the previous event's hash is not 64 hex digits";
  }
  if (expected_hash != e.hash)
    return at + "the hash does not chain from position " + std::to_string(last_position_);
  return {};
}

std::string ChainVerifier::check(const Event& e, std::string_view stored_content_digest) {
  std::string problem = problem_of(e, stored_content_digest);
  // A missing event is a break at the missing position, not at this one.
  const std::int64_t bad = e.position != last_position_ + 1 ? last_position_ + 1 : e.position;
  advance(e, problem, bad);
  return problem;
}

void ChainVerifier::damaged(const Event& e, const std::string& what) {
  advance(e, "position " + std::to_string(e.position) + ": " + what, e.position);
}

void ChainVerifier::advance(const Event& e, const std::string& problem, std::int64_t bad_position) {
  if (!problem.empty()) {
    ++bad_links_;
    if (!first_bad_position_) {
      first_bad_position_ = bad_position;
      first_problem_ = problem;
    }
  }
  ++events_;
  last_position_ = e.position;
  last_recorded_ms_ = std::max(last_recorded_ms_, e.recorded_at.time_since_epoch().count());
  previous_hash_ = e.hash;
  versions_[e.stream] = e.version;
}

}  // namespace starlog::domain
