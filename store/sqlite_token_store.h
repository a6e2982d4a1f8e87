// SqliteTokenStore: the TokenStore in the `tokens` table of a SqliteDatabase
// (format at the top of store/sqlite_database.cpp).
//
// create and revoke run on the database's single writer connection in one
// BEGIN IMMEDIATE transaction each, which also holds off other processes
// (e.g. `starlog token revoke` while `starlog serve` runs). find_by_hash and
// list read on the read-only pool: each call is a fresh read transaction, so
// it sees every commit made before it by any process. That is what makes a
// revocation effective on the next request without a restart; the lookup is
// one probe of a unique index.
//
// Thread-safe. Failures are Status values; nothing throws.
#pragma once

#include <memory>

#include "domain/clock.h"
#include "store/sqlite_database.h"
#include "store/token_store.h"

namespace starlog::store {

class SqliteTokenStore final : public TokenStore {
 public:
  // `clock` (created_at, revoked_at) must outlive the store.
  static Result<std::unique_ptr<SqliteTokenStore>> open(std::shared_ptr<SqliteDatabase> db,
                                                        domain::Clock& clock);

  Status create(const std::string& name, domain::Role role,
                const std::string& secret_sha256_hex) override;
  Result<std::vector<TokenInfo>> list() override;
  Status revoke(std::string_view name) override;
  Result<std::optional<TokenMatch>> find_by_hash(std::string_view secret_sha256_hex) override;

 private:
  SqliteTokenStore(std::shared_ptr<SqliteDatabase> db, domain::Clock& clock)
      : db_(std::move(db)), clock_(clock) {}
  std::shared_ptr<SqliteDatabase> db_;
  domain::Clock& clock_;
};

}  // namespace starlog::store
