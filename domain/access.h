// Who may do what (docs/events.md#roles-and-tokens) and what a token secret looks like.
//
// Roles are what a token holds; permissions are what a route needs:
//
//   permission  reader  editor  auditor  admin   anonymous
//   none          yes     yes     yes     yes      yes      (health, metrics, openapi)
//   read          yes     yes     yes     yes      unless the server is --private
//   append         -      yes      -      yes       -
//   audit          -       -      yes     yes       -       (GET /v1/audit/verify, as_of)
//   admin          -       -       -      yes       -       (projection rebuilds)
//
// Whether anonymous callers may read is a server setting, not a rule of the
// roles, so allows() speaks only about roles; api/auth.h adds the rest.
//
// A secret is "stl_" followed by 43 base64url characters (32 random bytes
// from OpenSSL's RAND_bytes, no padding). Only its SHA-256 (hex) is ever
// stored; the secret itself is shown once, when the token is created.
//
// All functions are pure (except generate_secret, which reads the CSPRNG)
// and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace starlog::domain {

// Stable names; never renumber (they are stored as text, see to_string).
enum class Role { reader, editor, auditor, admin };
enum class Permission { none, read, append, audit, admin };

// True when a token of `role` may use a route that needs `needed`.
bool allows(Role role, Permission needed);

std::string_view to_string(Role role);
std::string_view to_string(Permission permission);
// "reader", "editor", "auditor", "admin" (exactly, lower case); nullopt otherwise.
std::optional<Role> parse_role(std::string_view text);

// Who is calling: the token's name (which becomes recorded_by) and its role.
// Anonymous callers have no Principal.
struct Principal {
  std::string name;
  Role role = Role::reader;
};

inline constexpr std::string_view kSecretPrefix = "stl_";
inline constexpr std::size_t kSecretRandomBytes = 32;
inline constexpr std::size_t kSecretLength = 4 + 43;  // prefix + base64url(32 bytes)

// A fresh secret; io_error if the random generator fails.
Result<std::string> generate_secret();
// True when `text` has the shape of a secret (prefix, length, alphabet).
// Cheap: lets the server refuse garbage without a store lookup.
bool looks_like_secret(std::string_view text);
// SHA-256 of the secret, lower-case hex: what the token store keeps.
std::string secret_hash(std::string_view secret);
// Compares two strings in time that depends only on their lengths
// (CRYPTO_memcmp), for comparing secret hashes.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace starlog::domain
