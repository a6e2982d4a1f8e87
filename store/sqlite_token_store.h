// SqliteTokenStore: the TokenStore in the `tokens` table of the log file
// (format at the top of store/sqlite_schema.cpp).
//
// create and revoke run on the database's single writer connection in one
// BEGIN IMMEDIATE transaction each, which also holds off other processes
// (e.g. `starlog token revoke` while `starlog serve` runs). list reads on the
// read-only pool. find_by_hash answers from memory the tokens it has found
// before, as long as the tokens are unchanged: every call first asks SQLite
// whether any other connection (of any process) committed to the file since
// the last call (PRAGMA data_version: no page is read), and only then
// whether the tokens changed (count and times of creations and
// revocations); if they did, it forgets every token it remembered. So a
// revocation takes effect on the next request without a restart, and a
// request while nothing is written costs no query at all. Unknown secrets
// are looked up every time (one probe of a unique index) and not kept.
//
// Thread-safe. Failures are Status values; nothing throws.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>

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
  // Forgets the remembered tokens when the stored ones changed.
  // REQUIRES: cache_mu_ held.
  Status refresh_locked();

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // count(*), count(revoked_at), total(created_at), total(revoked_at)
  using Generation = std::tuple<std::int64_t, std::int64_t, std::string, std::string>;
  static constexpr std::int64_t kUnread = -1;

  std::shared_ptr<SqliteDatabase> db_;
  domain::Clock& clock_;
  std::mutex cache_mu_;
  std::unique_ptr<SqliteConnection> watch_;  // its own: data_version is per connection
  std::int64_t data_version_ = kUnread;
  Generation generation_{kUnread, kUnread, {}, {}};
  std::unordered_map<std::string, TokenMatch, Hash, std::equal_to<>> cache_;
};

}  // namespace starlog::store
