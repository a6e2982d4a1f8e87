#include "store/sqlite_token_store.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "domain/access.h"
#include "store/memory_token_store.h"
#include "store/pg_test_support.h"
#include "store/pg_token_store.h"
#include "store/sqlite_test_support.h"

namespace starlog::store {
namespace {

using domain::Role;
using std::chrono::milliseconds;

const domain::Millis kStart{milliseconds(1'700'000'000'000)};

std::string hash_of(const std::string& secret) { return domain::secret_hash(secret); }

struct Fixture {
  testing::TempDir tmp;
  domain::FakeClock clock{kStart};
  std::shared_ptr<SqliteDatabase> db = testing::open_db(tmp.path());
  std::unique_ptr<SqliteTokenStore> tokens = SqliteTokenStore::open(db, clock).value();
};

// The contract of store/token_store.h, run against both implementations.
void check_contract(TokenStore& tokens, domain::FakeClock& clock) {
  REQUIRE(tokens.create("alice", Role::editor, hash_of("secret-a")).is_ok());
  clock.advance(milliseconds(5));
  REQUIRE(tokens.create("bob", Role::reader, hash_of("secret-b")).is_ok());

  SUBCASE("a taken name is a conflict, even with another secret") {
    CHECK(tokens.create("alice", Role::admin, hash_of("other")).code() == Code::conflict);
  }
  SUBCASE("a secret in use is a conflict") {
    CHECK(tokens.create("carol", Role::admin, hash_of("secret-a")).code() == Code::conflict);
  }
  SUBCASE("names must be slugs and hashes hex") {
    CHECK(tokens.create("Alice", Role::admin, hash_of("x")).code() == Code::invalid);
    CHECK(tokens.create("", Role::admin, hash_of("x")).code() == Code::invalid);
    CHECK(tokens.create("a b", Role::admin, hash_of("x")).code() == Code::invalid);
    CHECK(tokens.create("carol", Role::admin, "secret").code() == Code::invalid);
    CHECK(tokens.create("carol", Role::admin, std::string(64, 'A')).code() == Code::invalid);
  }
  SUBCASE("find_by_hash finds a token by its secret's hash only") {
    auto found = tokens.find_by_hash(hash_of("secret-a"));
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->info.name == "alice");
    CHECK((*found)->info.role == Role::editor);
    CHECK((*found)->info.created_at == kStart);
    CHECK_FALSE((*found)->info.revoked());
    CHECK((*found)->secret_sha256 == hash_of("secret-a"));
    auto none = tokens.find_by_hash(hash_of("secret-c"));
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
  }
  SUBCASE("list shows every token by name, revoked ones too") {
    clock.advance(milliseconds(10));
    REQUIRE(tokens.revoke("bob").is_ok());
    auto all = tokens.list();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].name == "alice");
    CHECK_FALSE((*all)[0].revoked());
    CHECK((*all)[1].name == "bob");
    CHECK((*all)[1].role == Role::reader);
    CHECK((*all)[1].created_at == kStart + milliseconds(5));
    CHECK((*all)[1].revoked_at == kStart + milliseconds(15));
  }
  SUBCASE("revoking marks the token, keeps the first time, and an unknown name is not_found") {
    REQUIRE(tokens.revoke("alice").is_ok());
    clock.advance(milliseconds(100));
    CHECK(tokens.revoke("alice").is_ok());
    auto found = tokens.find_by_hash(hash_of("secret-a"));
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->info.revoked_at == kStart + milliseconds(5));
    CHECK(tokens.revoke("nobody").code() == Code::not_found);
    // A revoked name stays taken: recorded_by must name one token forever.
    CHECK(tokens.create("alice", Role::editor, hash_of("new")).code() == Code::conflict);
  }
}

TEST_CASE("the SQLite token store keeps the TokenStore contract") {
  Fixture f;
  check_contract(*f.tokens, f.clock);
}

TEST_CASE("the in-memory token store keeps the TokenStore contract") {
  domain::FakeClock clock{kStart};
  MemoryTokenStore tokens(clock);
  check_contract(tokens, clock);
}

TEST_CASE("the PostgreSQL token store keeps the TokenStore contract") {
  domain::FakeClock clock{kStart};
  auto tokens = PgTokenStore::open(testing::PgTestCluster::instance().fresh_database(), clock);
  REQUIRE_MESSAGE(tokens.ok(), tokens.status().message());
  check_contract(**tokens, clock);
}

TEST_CASE("a token revoked through one PostgreSQL store is refused by another at once") {
  domain::FakeClock clock{kStart};
  const std::string uri = testing::PgTestCluster::instance().fresh_database();
  auto node_a = PgTokenStore::open(uri, clock);
  auto node_b = PgTokenStore::open(uri, clock);
  REQUIRE(node_a.ok());
  REQUIRE(node_b.ok());
  REQUIRE((*node_a)->create("alice", Role::editor, hash_of("secret-a")).is_ok());
  auto before = (*node_b)->find_by_hash(hash_of("secret-a"));
  REQUIRE(before.ok());
  REQUIRE(before->has_value());
  CHECK_FALSE((*before)->info.revoked());
  REQUIRE((*node_a)->revoke("alice").is_ok());
  auto after = (*node_b)->find_by_hash(hash_of("secret-a"));
  REQUIRE(after.ok());
  REQUIRE(after->has_value());
  CHECK((*after)->info.revoked());
}

TEST_CASE("a revocation by another connection to the file is seen by the next lookup") {
  Fixture f;
  REQUIRE(f.tokens->create("alice", Role::editor, hash_of("s")).is_ok());
  auto before = f.tokens->find_by_hash(hash_of("s"));
  REQUIRE(before.ok());
  REQUIRE(before->has_value());
  CHECK_FALSE((*before)->info.revoked());
  {
    // What `starlog token revoke` does from another process: its own
    // SqliteDatabase on the same file.
    auto other_db = testing::open_db(f.tmp.path());
    auto other = SqliteTokenStore::open(other_db, f.clock).value();
    REQUIRE(other->revoke("alice").is_ok());
  }
  auto after = f.tokens->find_by_hash(hash_of("s"));
  REQUIRE(after.ok());
  REQUIRE(after->has_value());
  CHECK((*after)->info.revoked());
}

TEST_CASE("a remembered token is forgotten once tokens change, and an unknown one is not kept") {
  Fixture f;
  REQUIRE(f.tokens->create("alice", Role::editor, hash_of("a")).is_ok());
  // Remembered: found again while nothing is written.
  for (int i = 0; i < 3; ++i) {
    auto again = f.tokens->find_by_hash(hash_of("a"));
    REQUIRE(again.ok());
    REQUIRE(again->has_value());
    CHECK_FALSE((*again)->info.revoked());
  }
  // A secret not stored yet, looked up before another process creates it.
  auto missing = f.tokens->find_by_hash(hash_of("b"));
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  {
    auto other_db = testing::open_db(f.tmp.path());
    auto other = SqliteTokenStore::open(other_db, f.clock).value();
    REQUIRE(other->create("bob", Role::reader, hash_of("b")).is_ok());
  }
  auto found = f.tokens->find_by_hash(hash_of("b"));
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->info.name == "bob");
  // A commit that is not about tokens leaves what is remembered valid.
  {
    auto w = f.db->writer();
    REQUIRE(w->exec("CREATE TABLE unrelated(x); INSERT INTO unrelated VALUES(1);").is_ok());
  }
  auto still = f.tokens->find_by_hash(hash_of("a"));
  REQUIRE(still.ok());
  REQUIRE(still->has_value());
  CHECK_FALSE((*still)->info.revoked());
  // The same process revoking through its own writer is seen too.
  REQUIRE(f.tokens->revoke("alice").is_ok());
  auto revoked = f.tokens->find_by_hash(hash_of("a"));
  REQUIRE(revoked.ok());
  REQUIRE(revoked->has_value());
  CHECK((*revoked)->info.revoked());
}

TEST_CASE("a file written before the tokens table gains it when opened") {
  testing::TempDir tmp;
  {
    auto db = testing::open_db(tmp.path());
    auto w = db->writer();
    REQUIRE(w->exec("DROP TABLE tokens").is_ok());
  }
  auto db = testing::open_db(tmp.path());
  CHECK(testing::writer_int(*db, "PRAGMA user_version") == log_schema().version);
  CHECK(testing::writer_int(
            *db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tokens'") ==
        1);
  domain::FakeClock clock{kStart};
  auto tokens = SqliteTokenStore::open(db, clock).value();
  CHECK(tokens->create("alice", Role::admin, hash_of("s")).is_ok());
}

TEST_CASE("the tokens table holds the hash and never the secret") {
  Fixture f;
  const auto secret = domain::generate_secret();
  REQUIRE(secret.ok());
  REQUIRE(f.tokens->create("alice", Role::editor, hash_of(*secret)).is_ok());
  auto r = f.db->reader();
  REQUIRE(r.ok());
  auto st = r->connection().prepare("SELECT * FROM tokens");
  REQUIRE(st.ok());
  auto row = st->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  for (int c = 0; c < 5; ++c) {
    if (st->is_null(c)) continue;
    CHECK(std::string(st->text(c)).find(*secret) == std::string::npos);
  }
}

}  // namespace
}  // namespace starlog::store
