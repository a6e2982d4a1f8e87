// TokenStore: the API tokens (docs/events.md#roles-and-tokens) and `starlog token`.
// No storage engine type appears here (store/sqlite_token_store.h is the
// SQLite one, store/memory_token_store.h the in-memory fake).
//
// A token is a name (a slug; it becomes `recorded_by` of what the token
// appends), a role, the SHA-256 of its secret (hex) and its created/revoked
// times. The secret itself is never given to the store. A name is never
// reused, not even after revocation, so that `recorded_by` always names one
// token. Tokens are never deleted: a revoked token stays listed.
//
// A creation or revocation made by another process on the same storage is
// seen by the very next find_by_hash: an implementation may answer from
// memory only while the stored tokens are unchanged. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/access.h"
#include "domain/occurred.h"
#include "domain/status.h"

namespace starlog::store {

// What `token list` shows: never the hash.
struct TokenInfo {
  std::string name;
  domain::Role role = domain::Role::reader;
  domain::Millis created_at{};
  std::optional<domain::Millis> revoked_at;

  bool revoked() const { return revoked_at.has_value(); }
};

// A token found by its secret's hash.
struct TokenMatch {
  TokenInfo info;
  std::string secret_sha256;  // hex, as stored
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores a new token created now. conflict when the name is taken (also by
  // a revoked token) or, astronomically unlikely, the hash is; invalid when
  // the name is not a slug or the hash is not 64 lower-case hex digits.
  virtual Status create(const std::string& name, domain::Role role,
                        const std::string& secret_sha256_hex) = 0;
  // Every token, by name.
  virtual Result<std::vector<TokenInfo>> list() = 0;
  // Marks the token revoked now. not_found for an unknown name; revoking a
  // revoked token is ok and keeps its first revocation time.
  virtual Status revoke(std::string_view name) = 0;
  // The token whose secret hashes to `secret_sha256_hex`, revoked or not;
  // nullopt when there is none.
  virtual Result<std::optional<TokenMatch>> find_by_hash(std::string_view secret_sha256_hex) = 0;
};

// True for 64 lower-case hex digits.
bool is_sha256_hex(std::string_view text);
// The checks create() makes on its arguments, for every implementation:
// invalid (naming the field) or ok.
Status check_new_token(std::string_view name, std::string_view secret_sha256_hex);
// The not_found message for revoking `name`.
std::string no_such_token(std::string_view name);

}  // namespace starlog::store
