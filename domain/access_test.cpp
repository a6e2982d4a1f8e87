#include "domain/access.h"

#include <doctest/doctest.h>

#include <set>

using namespace starlog::domain;

TEST_CASE("reader reads, editor also appends, auditor also audits, admin may do everything") {
  struct Row {
    Role role;
    bool read, append, audit, admin;
  };
  const Row table[] = {
      {Role::reader, true, false, false, false},
      {Role::editor, true, true, false, false},
      {Role::auditor, true, false, true, false},
      {Role::admin, true, true, true, true},
  };
  for (const Row& r : table) {
    CAPTURE(to_string(r.role));
    CHECK(allows(r.role, Permission::none));
    CHECK(allows(r.role, Permission::read) == r.read);
    CHECK(allows(r.role, Permission::append) == r.append);
    CHECK(allows(r.role, Permission::audit) == r.audit);
    CHECK(allows(r.role, Permission::admin) == r.admin);
  }
}

TEST_CASE("role names round-trip and anything else is refused") {
  for (Role r : {Role::reader, Role::editor, Role::auditor, Role::admin})
    CHECK(parse_role(to_string(r)) == r);
  CHECK(to_string(Role::editor) == "editor");
  for (const char* bad : {"", "Editor", "EDITOR", "root", "editor ", "admins"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_role(bad).has_value());
  }
}

TEST_CASE("permission names are stable") {
  CHECK(to_string(Permission::none) == "none");
  CHECK(to_string(Permission::read) == "read");
  CHECK(to_string(Permission::append) == "append");
  CHECK(to_string(Permission::audit) == "audit");
  CHECK(to_string(Permission::admin) == "admin");
}

TEST_CASE("a generated secret is stl_ and 43 base64url characters, and never repeats") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto s = generate_secret();
    REQUIRE(s.ok());
    CHECK(s->size() == 47);
    CHECK(s->starts_with("stl_"));
    CHECK(looks_like_secret(*s));
    CHECK(s->find_first_of("+/=") == std::string::npos);
    seen.insert(*s);
  }
  CHECK(seen.size() == 100);
}

// prefix followed by n copies of c, then tail (appended: GCC 12 warns falsely
// with -Wrestrict on "literal" + std::string(...) at -O2).
std::string secret_like(const char* prefix, std::size_t n, const char* tail = "") {
  std::string s = prefix;
  s.append(n, 'A');
  s += tail;
  return s;
}

TEST_CASE("looks_like_secret refuses wrong prefixes, lengths and characters") {
  const std::string good = secret_like("stl_", 43);
  CHECK(looks_like_secret(good));
  CHECK_FALSE(looks_like_secret(""));
  CHECK_FALSE(looks_like_secret("stl_"));
  CHECK_FALSE(looks_like_secret(secret_like("stx_", 43)));
  CHECK_FALSE(looks_like_secret(secret_like("stl_", 42)));
  CHECK_FALSE(looks_like_secret(secret_like("stl_", 44)));
  CHECK_FALSE(looks_like_secret(secret_like("stl_", 42, "=")));
  CHECK_FALSE(looks_like_secret(secret_like("stl_", 42, "+")));
  CHECK_FALSE(looks_like_secret(secret_like("stl_", 42, " ")));
}

TEST_CASE("the stored form of a secret is its SHA-256 in hex") {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  CHECK(secret_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto s = generate_secret();
  REQUIRE(s.ok());
  CHECK(secret_hash(*s).size() == 64);
  CHECK(secret_hash(*s).find(*s) == std::string::npos);
}

TEST_CASE("constant_time_equal compares contents and lengths") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("abc", ""));
}
