#include "store/sqlite_token_store.h"

#include "store/guard.h"

namespace starlog::store {
namespace {

constexpr const char* kWho = "token store";

constexpr const char* kTaken =
    "SELECT EXISTS(SELECT 1 FROM tokens WHERE name = ?1),"
    " EXISTS(SELECT 1 FROM tokens WHERE secret_sha256 = ?2)";
constexpr const char* kInsert =
    "INSERT INTO tokens(name, role, secret_sha256, created_at, revoked_at)"
    " VALUES(?1, ?2, ?3, ?4, NULL)";
constexpr const char* kList = "SELECT name, role, created_at, revoked_at FROM tokens ORDER BY name";
constexpr const char* kRevoke =
    "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE name = ?1";
constexpr const char* kFind =
    "SELECT name, role, created_at, revoked_at, secret_sha256 FROM tokens"
    " WHERE secret_sha256 = ?1";

// What changes whenever a token is created or revoked (tokens are never
// deleted, and a revocation is never undone): read only after the file
// changed at all.
constexpr const char* kGeneration =
    "SELECT count(*), count(revoked_at), total(created_at), total(revoked_at) FROM tokens";

domain::Millis millis(std::int64_t ms) { return domain::Millis(std::chrono::milliseconds(ms)); }

// Columns name, role, created_at, revoked_at of the current row.
Result<TokenInfo> info_of(SqliteStatement& st) {
  TokenInfo t;
  t.name = std::string(st.text(0));
  auto role = domain::parse_role(st.text(1));
  if (!role)
    return Status::corrupt("token '" + t.name + "' has the unknown role '" +
                           std::string(st.text(1)) + "'");
  t.role = *role;
  t.created_at = millis(st.int64(2));
  if (!st.is_null(3)) t.revoked_at = millis(st.int64(3));
  return t;
}

}  // namespace

Result<std::unique_ptr<SqliteTokenStore>> SqliteTokenStore::open(std::shared_ptr<SqliteDatabase> db,
                                                                 domain::Clock& clock) {
  if (!db) return Status::io_error("token store: no database");
  return std::unique_ptr<SqliteTokenStore>(new SqliteTokenStore(std::move(db), clock));
}

Status SqliteTokenStore::create(const std::string& name, domain::Role role,
                                const std::string& secret_sha256_hex) {
  if (Status s = check_new_token(name, secret_sha256_hex); !s) return s;
  return guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    SqliteTransaction txn(w.connection());
    if (Status s = txn.begin(); !s) return s;
    {
      auto taken = w->prepare(kTaken);
      if (!taken) return taken.status();
      taken->bind_text(1, name).bind_text(2, secret_sha256_hex);
      auto row = taken->step();
      if (!row) return row.status();
      if (*row && taken->int64(0) != 0)
        return Status::conflict("a token named '" + name +
                                "' exists (names are never reused, even after revocation)");
      if (*row && taken->int64(1) != 0) return Status::conflict("that secret is already in use");
    }
    {
      auto insert = w->prepare(kInsert);
      if (!insert) return insert.status();
      insert->bind_text(1, name)
          .bind_text(2, domain::to_string(role))
          .bind_text(3, secret_sha256_hex)
          .bind(4, clock_.now().time_since_epoch().count());
      if (Status s = insert->run(); !s) return s;
    }
    return txn.commit();
  });
}

Result<std::vector<TokenInfo>> SqliteTokenStore::list() {
  return guarded(kWho, [&]() -> Result<std::vector<TokenInfo>> {
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kList);
    if (!st) return st.status();
    std::vector<TokenInfo> out;
    for (;;) {
      auto row = st->step();
      if (!row) return row.status();
      if (!*row) return out;
      auto info = info_of(*st);
      if (!info) return info.status();
      out.push_back(std::move(*info));
    }
  });
}

Status SqliteTokenStore::revoke(std::string_view name) {
  return guarded(kWho, [&]() -> Status {
    auto w = db_->writer();
    SqliteTransaction txn(w.connection());
    if (Status s = txn.begin(); !s) return s;
    {
      auto st = w->prepare(kRevoke);
      if (!st) return st.status();
      st->bind_text(1, name).bind(2, clock_.now().time_since_epoch().count());
      if (Status s = st->run(); !s) return s;
      if (sqlite3_changes(w->handle()) == 0) return Status::not_found(no_such_token(name));
    }
    return txn.commit();
  });
}

Result<std::optional<TokenMatch>> SqliteTokenStore::find_by_hash(
    std::string_view secret_sha256_hex) {
  return guarded(kWho, [&]() -> Result<std::optional<TokenMatch>> {
    std::lock_guard lock(cache_mu_);
    if (Status s = refresh_locked(); !s) return s;
    if (auto it = cache_.find(secret_sha256_hex); it != cache_.end())
      return std::optional<TokenMatch>(it->second);
    auto r = db_->reader();
    if (!r) return r.status();
    auto st = r->connection().prepare(kFind);
    if (!st) return st.status();
    st->bind_text(1, secret_sha256_hex);
    auto row = st->step();
    if (!row) return row.status();
    // Unknown secrets are not remembered: only stored tokens take memory.
    if (!*row) return std::optional<TokenMatch>();
    auto info = info_of(*st);
    if (!info) return info.status();
    TokenMatch match{std::move(*info), std::string(st->text(4))};
    cache_.emplace(match.secret_sha256, match);
    return std::optional<TokenMatch>(std::move(match));
  });
}

Status SqliteTokenStore::refresh_locked() {
  if (!watch_) {
    auto conn = SqliteConnection::open(db_->path(), SQLITE_OPEN_READONLY, 5000);
    if (!conn) return conn.status();
    watch_ = std::move(*conn);
  }
  // PRAGMA data_version changes when any other connection, of this process
  // or another, committed to the file: one look at the WAL index, no page.
  auto version = watch_->prepare("PRAGMA data_version");
  if (!version) return version.status();
  auto row = version->step();
  if (!row) return row.status();
  if (!*row) return Status::io_error("PRAGMA data_version: no result");
  const std::int64_t v = version->int64(0);
  if (v == data_version_ && data_version_ != kUnread) return Status::ok();
  auto gen = watch_->prepare(kGeneration);
  if (!gen) return gen.status();
  auto g = gen->step();
  if (!g) return g.status();
  if (!*g) return Status::io_error("token generation: no result");
  const Generation now{gen->int64(0), gen->int64(1), std::string(gen->text(2)),
                       std::string(gen->text(3))};
  if (now != generation_) {
    cache_.clear();
    generation_ = now;
  }
  data_version_ = v;
  return Status::ok();
}

}  // namespace starlog::store
