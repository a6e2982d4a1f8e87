// PgTokenStore: the TokenStore in the PostgreSQL database the log lives in,
// so that every node sees the same tokens. Table (created on first use):
//   tokens(name text PRIMARY KEY, role text NOT NULL, secret_sha256 text NOT
//          NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint)
// with the meaning of the SQLite store's (store/sqlite_schema.cpp). Nothing
// is remembered between calls: every lookup asks the database, so a token
// created or revoked by any process counts on every node from its next
// request on. Thread-safe (a small pool of connections).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "store/token_store.h"

namespace starlog::store {

class PgConnection;
class PgPool;

class PgTokenStore final : public TokenStore {
 public:
  // `clock` (created_at, revoked_at) must outlive the store.
  static Result<std::unique_ptr<PgTokenStore>> open(const std::string& uri, domain::Clock& clock);
  ~PgTokenStore() override;

  Status create(const std::string& name, domain::Role role,
                const std::string& secret_sha256_hex) override;
  Result<std::vector<TokenInfo>> list() override;
  Status revoke(std::string_view name) override;
  Result<std::optional<TokenMatch>> find_by_hash(std::string_view secret_sha256_hex) override;

 private:
  PgTokenStore(std::string uri, domain::Clock& clock);

  domain::Clock& clock_;
  std::unique_ptr<PgPool> pool_;
};

}  // namespace starlog::store
