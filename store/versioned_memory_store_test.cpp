#include "store/versioned_memory_store.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "store/memory_projection_store.h"

namespace starlog::store {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

Rows scan(ProjectionStore& s, std::string_view lower = "", std::string_view upper = "",
          bool reverse = false) {
  Rows out;
  Status st = s.scan("p", lower, upper, reverse, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  REQUIRE(st.is_ok());
  return out;
}

void commit(ProjectionStore& s, std::vector<KvWrite> writes, std::int64_t position) {
  Status st = s.commit("p", writes, Checkpoint{position, 7});
  REQUIRE_MESSAGE(st.is_ok(), st.message());
}

TEST_CASE("a view shows the rows as the last commit at or before its position left them") {
  VersionedMemoryStore s;
  commit(s, {{"a", "a1"}, {"b", "b1"}}, 3);
  commit(s, {{"a", "a2"}, {"c", "c1"}}, 5);
  commit(s, {{"b", std::nullopt}}, 8);
  commit(s, {{"b", "b2"}}, 10);

  CHECK(scan(s) == Rows{{"a", "a2"}, {"b", "b2"}, {"c", "c1"}});  // the latest
  auto v0 = s.at(2);
  CHECK(scan(v0).empty());
  CHECK(!v0.get("p", "a")->has_value());
  auto v3 = s.at(3);
  CHECK(scan(v3) == Rows{{"a", "a1"}, {"b", "b1"}});
  auto v7 = s.at(7);
  CHECK(scan(v7) == Rows{{"a", "a2"}, {"b", "b1"}, {"c", "c1"}});
  CHECK(**v7.get("p", "a") == "a2");
  auto v8 = s.at(8);
  CHECK(scan(v8) == Rows{{"a", "a2"}, {"c", "c1"}});
  CHECK(!v8.get("p", "b")->has_value());
  auto v100 = s.at(100);
  CHECK(scan(v100) == scan(s));
  // Ranges and order as the ProjectionStore contract has them.
  CHECK(scan(v7, "b", "", true) == Rows{{"c", "c1"}, {"b", "b1"}});
  CHECK(scan(v7, "a", "c") == Rows{{"a", "a2"}, {"b", "b1"}});
  CHECK(scan(v7, "c", "a").empty());
  // find(): the stored value itself, at one address while it stands.
  REQUIRE(v7.find("p", "a") != nullptr);
  CHECK(*v7.find("p", "a") == "a2");
  CHECK(v7.find("p", "a") == s.at(9).find("p", "a"));
  CHECK(v7.find("p", "a") != v3.find("p", "a"));
  CHECK(v8.find("p", "b") == nullptr);
  CHECK(v7.find("p", "zz") == nullptr);
  CHECK(v7.checkpoint("p")->position == 7);
  CHECK(v7.checkpoint("p")->code_version == 7);
  CHECK(s.checkpoint("p")->position == 10);
}

TEST_CASE("a view is read-only and a commit may not go back in the log") {
  VersionedMemoryStore s;
  commit(s, {{"a", "1"}}, 5);
  auto v = s.at(5);
  CHECK(v.commit("p", {{"a", "2"}}, Checkpoint{6, 1}).code() == Code::invalid);
  CHECK(v.drop("p").code() == Code::invalid);
  CHECK(v.rename("p", "q").code() == Code::invalid);
  CHECK(s.commit("p", {{"a", "0"}}, Checkpoint{4, 1}).code() == Code::invalid);
  CHECK(**s.get("p", "a") == "1");
  // Two commits at one position: the second is what the position shows.
  commit(s, {{"a", "3"}}, 5);
  CHECK(**s.at(5).get("p", "a") == "3");
}

TEST_CASE("a visit may read the store while a scan runs, and commits meanwhile leave it intact") {
  VersionedMemoryStore s;
  for (int i = 0; i < 50; ++i)
    commit(s, {{"k" + std::to_string(i), "v" + std::to_string(i)}}, i + 1);
  auto view = s.at(25);
  int seen = 0;
  Status st = view.scan("p", "", "", false, [&](std::string_view k, std::string_view v) {
    // Commits grow the versions of the keys being visited.
    commit(s, {{std::string(k), "later"}}, 100 + seen);
    CHECK(**view.get("p", k) == std::string(v));
    ++seen;
    return true;
  });
  CHECK(st.is_ok());
  CHECK(seen == 25);
  CHECK(**s.get("p", "k3") == "later");
  CHECK(**s.at(25).get("p", "k3") == "v3");
}

TEST_CASE("a long range is scanned a chunk at a time, in both orders, and stops when asked") {
  VersionedMemoryStore s;
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%04d", i);
    keys.emplace_back(key);
    commit(s, {{key, "v"}}, i + 1);
  }
  auto view = s.at(700);  // k0000 .. k0699
  std::vector<std::string> forward, backward;
  REQUIRE(view.scan("p", "k0100", "k0650", false,
                    [&](std::string_view k, std::string_view) {
                      // New keys inside the range, committed while the scan runs, are later
                      // than the view: they never show.
                      if (forward.size() % 100 == 0)
                        commit(s, {{std::string(k) + "x", "new"}}, 2000 + forward.size());
                      forward.emplace_back(k);
                      return true;
                    })
              .is_ok());
  CHECK(forward == std::vector<std::string>(keys.begin() + 100, keys.begin() + 650));
  REQUIRE(view.scan("p", "", "", true,
                    [&](std::string_view k, std::string_view) {
                      backward.emplace_back(k);
                      return true;
                    })
              .is_ok());
  CHECK(backward == std::vector<std::string>(keys.rbegin() + 300, keys.rend()));
  int visited = 0;
  REQUIRE(view.scan("p", "", "", false,
                    [&](std::string_view, std::string_view) { return ++visited < 300; })
              .is_ok());
  CHECK(visited == 300);
}

TEST_CASE("every view equals a plain store that took the commits up to its position") {
  std::mt19937 rng(20261202);
  VersionedMemoryStore versioned;
  MemoryProjectionStore plain;
  std::vector<Rows> expected(1, Rows{});
  for (int p = 1; p <= 200; ++p) {
    std::vector<KvWrite> writes;
    for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) {
      std::string key = "k" + std::to_string(rng() % 30);
      if (rng() % 4 == 0)
        writes.push_back({key, std::nullopt});
      else
        writes.push_back({key, "v" + std::to_string(p) + "." + std::to_string(i)});
    }
    commit(versioned, writes, p);
    commit(plain, writes, p);
    expected.push_back(scan(plain));
  }
  for (int p = 0; p <= 200; ++p) {
    CAPTURE(p);
    auto view = versioned.at(p);
    CHECK(scan(view) == expected[static_cast<std::size_t>(p)]);
    Rows all;
    auto cp =
        view.scan_all("p", [&](std::string_view k, std::string_view v) { all.emplace_back(k, v); });
    REQUIRE(cp.ok());
    CHECK(all == expected[static_cast<std::size_t>(p)]);
  }
  CHECK(versioned.bytes() > 0);
}

}  // namespace
}  // namespace starlog::store
