#include "domain/access.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>

#include "domain/hash_chain.h"

namespace starlog::domain {
namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 4648 §5 without padding.
std::string base64url(const unsigned char* p, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  if (n - i == 1) {
    const unsigned v = p[i] << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

}  // namespace

bool allows(Role role, Permission needed) {
  switch (needed) {
    case Permission::none:
    case Permission::read:
      return true;
    case Permission::append:
      return role == Role::editor || role == Role::admin;
    case Permission::audit:
      return role == Role::auditor || role == Role::admin;
    case Permission::admin:
      return role == Role::admin;
  }
  return false;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::reader:
      return "reader";
    case Role::editor:
      return "editor";
    case Role::auditor:
      return "auditor";
    case Role::admin:
      return "admin";
  }
  return "reader";
}

std::string_view to_string(Permission permission) {
  switch (permission) {
    case Permission::none:
      return "none";
    case Permission::read:
      return "read";
    case Permission::append:
      return "append";
    case Permission::audit:
      return "audit";
    case Permission::admin:
      return "admin";
  }
  return "admin";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::reader, Role::editor, Role::auditor, Role::admin}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

Result<std::string> generate_secret() {
  std::array<unsigned char, kSecretRandomBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return Status::io_error("the random number generator failed");
  std::string secret(kSecretPrefix);
  secret += base64url(bytes.data(), bytes.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return secret;
}

bool looks_like_secret(std::string_view text) {
  if (text.size() != kSecretLength || !text.starts_with(kSecretPrefix)) return false;
  for (char c : text.substr(kSecretPrefix.size()))
    if (!is_base64url(c)) return false;
  return true;
}

std::string secret_hash(std::string_view secret) { return sha256_hex(secret); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace starlog::domain
