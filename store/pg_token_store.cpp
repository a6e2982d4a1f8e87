#include "store/pg_token_store.h"

#include "store/pg_connection.h"
#include "store/pg_pool.h"

namespace starlog::store {
namespace {

constexpr const char* kSchema =
    "BEGIN; SELECT pg_advisory_xact_lock(1398032460, 1);"
    " CREATE TABLE IF NOT EXISTS tokens(name text PRIMARY KEY, role text NOT NULL,"
    " secret_sha256 text NOT NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint);"
    " COMMIT;";
constexpr const char* kColumns = "name, role, created_at, revoked_at";
constexpr std::size_t kIdle = 4;

Result<TokenInfo> info_of(const PgResult& r, int row) {
  TokenInfo t;
  t.name = r.text(row, 0);
  auto role = domain::parse_role(r.text(row, 1));
  if (!role) return Status::corrupt("token '" + t.name + "' has an unknown role");
  t.role = *role;
  t.created_at = domain::Millis(std::chrono::milliseconds(r.int64(row, 2)));
  if (!r.is_null(row, 3)) t.revoked_at = domain::Millis(std::chrono::milliseconds(r.int64(row, 3)));
  return t;
}

}  // namespace

PgTokenStore::PgTokenStore(std::string uri, domain::Clock& clock)
    : clock_(clock), pool_(std::make_unique<PgPool>(std::move(uri), kIdle)) {}

Result<std::unique_ptr<PgTokenStore>> PgTokenStore::open(const std::string& uri,
                                                         domain::Clock& clock) {
  std::unique_ptr<PgTokenStore> store(new PgTokenStore(uri, clock));
  if (Status s = store->pool_->with([](PgConnection& c) { return c.run(kSchema); }); !s) return s;
  return store;
}

PgTokenStore::~PgTokenStore() = default;

Status PgTokenStore::create(const std::string& name, domain::Role role,
                            const std::string& secret_sha256_hex) {
  if (Status s = check_new_token(name, secret_sha256_hex); !s) return s;
  return pool_->with([&](PgConnection& c) -> Status {
    // One statement: the unique constraints decide a race between processes
    // (and a repeat after a lost connection).
    auto r = c.query(
        "INSERT INTO tokens(name, role, secret_sha256, created_at) VALUES($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING RETURNING name",
        {name, std::string(domain::to_string(role)), secret_sha256_hex,
         std::to_string(clock_.now().time_since_epoch().count())});
    if (!r.ok()) return r.status();
    if (r->rows() == 1) return Status::ok();
    auto taken = c.query("SELECT EXISTS(SELECT 1 FROM tokens WHERE name = $1)", {name});
    if (!taken.ok()) return taken.status();
    if (taken->text(0, 0) == "t")
      return Status::conflict("a token named '" + name +
                              "' exists (or existed: revoked names are never reused)");
    return Status::conflict("that secret is already in use");
  });
}

Result<std::vector<TokenInfo>> PgTokenStore::list() {
  return pool_->with([&](PgConnection& c) -> Result<std::vector<TokenInfo>> {
    auto r = c.query(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY name");
    if (!r.ok()) return r.status();
    std::vector<TokenInfo> out;
    for (int i = 0; i < r->rows(); ++i) {
      auto t = info_of(*r, i);
      if (!t.ok()) return t.status();
      out.push_back(std::move(*t));
    }
    return out;
  });
}

Status PgTokenStore::revoke(std::string_view name) {
  return pool_->with([&](PgConnection& c) -> Status {
    auto r = c.query(
        "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE name = $1 RETURNING name",
        {std::string(name), std::to_string(clock_.now().time_since_epoch().count())});
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return Status::not_found(no_such_token(name));
    return Status::ok();
  });
}

Result<std::optional<TokenMatch>> PgTokenStore::find_by_hash(std::string_view secret_sha256_hex) {
  return pool_->with([&](PgConnection& c) -> Result<std::optional<TokenMatch>> {
    auto r = c.query(
        std::string("SELECT ") + kColumns + ", secret_sha256 FROM tokens WHERE secret_sha256 = $1",
        {std::string(secret_sha256_hex)});
    if (!r.ok()) return r.status();
    std::optional<TokenMatch> out;
    if (r->rows() > 0) {
      auto t = info_of(*r, 0);
      if (!t.ok()) return t.status();
      out = TokenMatch{std::move(*t), std::string(r->text(0, 4))};
    }
    return out;
  });
}

}  // namespace starlog::store
