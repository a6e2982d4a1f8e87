#include "domain/hash_chain.h"

#include <openssl/evp.h>

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

std::string content_digest(const Event& e) { return sha256_hex(canonical(content_of(e))); }

Json header_of(const Event& e) {
  Json h = to_json(e);
  for (const char* k : {"hash", "type", "occurred", "data", "participants", "sources"}) h.erase(k);
  h["content_digest"] = content_digest(e);
  return h;
}

std::string chain_hash(std::string_view previous_hash_hex, const Event& e) {
  const auto prev = from_hex32(previous_hash_hex);
  const std::string header = canonical(header_of(e));
  std::string bytes(reinterpret_cast<const char*>(prev.data()), prev.size());
  bytes += header;
  return sha256_hex(bytes);
}

}  // namespace starlog::domain
