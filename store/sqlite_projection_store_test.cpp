#include "store/sqlite_projection_store.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/memory_projection_store.h"
#include "store/sqlite_test_support.h"

namespace starlog::store {
namespace {

using testing::TempDir;
using Rows = std::vector<std::pair<std::string, std::string>>;

struct Fixture {
  TempDir tmp;
  std::shared_ptr<SqliteDatabase> db = testing::open_read_model_db(tmp.path());
  std::unique_ptr<SqliteProjectionStore> store = SqliteProjectionStore::open(db).value();

  void commit(const std::string& projection, std::vector<KvWrite> writes, std::int64_t position) {
    Status s = store->commit(projection, writes, Checkpoint{position, 1});
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }
  Rows scan(const std::string& projection, std::string_view lower = "", std::string_view upper = "",
            bool reverse = false, std::size_t stop_after = 1'000'000) {
    Rows rows;
    Status s =
        store->scan(projection, lower, upper, reverse, [&](std::string_view k, std::string_view v) {
          rows.emplace_back(std::string(k), std::string(v));
          return rows.size() < stop_after;
        });
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return rows;
  }
  std::optional<std::string> get(const std::string& projection, const std::string& key) {
    auto r = store->get(projection, key);
    REQUIRE(r.ok());
    return *r;
  }
  Checkpoint checkpoint(const std::string& projection) {
    auto r = store->checkpoint(projection);
    REQUIRE(r.ok());
    return *r;
  }
  std::int64_t count(const char* sql) { return testing::writer_int(*db, sql); }
  std::int64_t stored_rows() { return count("SELECT COUNT(*) FROM projection_rows"); }
};

std::vector<std::string> keys(const Rows& rows) {
  std::vector<std::string> out;
  for (const auto& [k, v] : rows) out.push_back(k);
  return out;
}

TEST_CASE("a commit writes rows and the checkpoint, which get and checkpoint read back") {
  Fixture f;
  CHECK(f.checkpoint("timeline").position == 0);
  CHECK(f.checkpoint("timeline").code_version == 0);
  CHECK_FALSE(f.get("timeline", "k").has_value());

  REQUIRE(f.store->commit("timeline", {{"k1", "v1"}, {"k2", "v2"}}, Checkpoint{7, 3}).is_ok());
  CHECK(f.get("timeline", "k1") == std::optional<std::string>("v1"));
  CHECK(f.get("timeline", "k2") == std::optional<std::string>("v2"));
  CHECK(f.checkpoint("timeline").position == 7);
  CHECK(f.checkpoint("timeline").code_version == 3);
  CHECK_FALSE(f.get("other", "k1").has_value());

  SUBCASE("later writes overwrite and erase, in order") {
    f.commit("timeline", {{"k1", "new"}, {"k2", std::nullopt}, {"k3", "x"}, {"k3", std::nullopt}},
             9);
    CHECK(f.get("timeline", "k1") == std::optional<std::string>("new"));
    CHECK_FALSE(f.get("timeline", "k2").has_value());
    CHECK_FALSE(f.get("timeline", "k3").has_value());
    CHECK(f.checkpoint("timeline").position == 9);
  }
  SUBCASE("a commit of no rows still moves the checkpoint") {
    f.commit("timeline", {}, 8);
    CHECK(f.checkpoint("timeline").position == 8);
    CHECK(f.get("timeline", "k1") == std::optional<std::string>("v1"));
  }
}

TEST_CASE("keys and values are bytes: empty, NUL and high bytes survive and compare bytewise") {
  Fixture f;
  const std::string nul("a\0b", 3);
  const std::string high("\xff\x01", 2);
  f.commit(
      "p",
      {{"", "empty key"}, {nul, std::string("v\0w", 3)}, {"a", ""}, {high, "high"}, {"B", "upper"}},
      1);
  CHECK(f.get("p", "") == std::optional<std::string>("empty key"));
  CHECK(f.get("p", nul) == std::optional<std::string>(std::string("v\0w", 3)));
  CHECK(f.get("p", "a") == std::optional<std::string>(""));
  // memcmp order: "" < "B" < "a" < "a\0b" < "\xff\x01"
  CHECK(keys(f.scan("p")) == std::vector<std::string>{"", "B", "a", nul, high});
}

TEST_CASE("scan visits [lower, upper) in either direction and stops when told") {
  Fixture f;
  std::vector<KvWrite> writes;
  for (const char* k : {"a1", "a2", "a3", "b1", "b2", "c1"})
    writes.push_back({k, std::string("v") + k});
  f.commit("p", writes, 1);
  f.commit("q", {{"a0", "other projection"}}, 1);

  CHECK(keys(f.scan("p")) == std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "c1"});
  CHECK(keys(f.scan("p", "a2", "b2")) == std::vector<std::string>{"a2", "a3", "b1"});
  CHECK(keys(f.scan("p", "b", "")) == std::vector<std::string>{"b1", "b2", "c1"});
  CHECK(keys(f.scan("p", "a", "b")) == std::vector<std::string>{"a1", "a2", "a3"});
  CHECK(keys(f.scan("p", "a2", "b2", true)) == std::vector<std::string>{"b1", "a3", "a2"});
  CHECK(keys(f.scan("p", "", "", true)) ==
        std::vector<std::string>{"c1", "b2", "b1", "a3", "a2", "a1"});
  CHECK(keys(f.scan("p", "", "", false, 2)) == std::vector<std::string>{"a1", "a2"});
  CHECK(keys(f.scan("p", "", "b", true, 1)) == std::vector<std::string>{"a3"});
  CHECK(f.scan("p", "x", "").empty());
  CHECK(f.scan("none").empty());
  CHECK(f.scan("p", "a1", "a1").empty());
  CHECK(f.scan("p")[0].second == "va1");
}

TEST_CASE("a scan visitor may call the store again") {
  Fixture f;
  f.commit("p", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, 1);
  int visited = 0;
  Status s = f.store->scan("p", "", "", false, [&](std::string_view k, std::string_view) {
    ++visited;
    // A nested read takes another connection, a write takes the writer.
    auto nested = f.store->get("p", std::string(k));
    CHECK((nested.ok() && nested->has_value()));
    CHECK(f.store->commit("log", {{std::string(k), "seen"}}, Checkpoint{visited, 1}).is_ok());
    return true;
  });
  CHECK(s.is_ok());
  CHECK(visited == 3);
  CHECK(f.scan("log").size() == 3);
}

TEST_CASE("an exception from a scan visitor comes back as a Status") {
  Fixture f;
  f.commit("p", {{"a", "1"}}, 1);
  Status s = f.store->scan("p", "", "", false, [](std::string_view, std::string_view) -> bool {
    throw std::runtime_error("visitor failed");
  });
  CHECK(s.code() == Code::io_error);
  CHECK(s.message().find("visitor failed") != std::string::npos);
  CHECK(f.get("p", "a").has_value());  // the connection is still usable
}

TEST_CASE("drop removes one projection's rows and checkpoint") {
  Fixture f;
  f.commit("p", {{"a", "1"}, {"b", "2"}}, 5);
  f.commit("q", {{"a", "other"}}, 6);
  REQUIRE(f.store->drop("p").is_ok());
  CHECK(f.scan("p").empty());
  CHECK(f.checkpoint("p").position == 0);
  CHECK(f.get("q", "a") == std::optional<std::string>("other"));
  CHECK(f.checkpoint("q").position == 6);
  CHECK(f.store->drop("never-existed").is_ok());
}

TEST_CASE("rename replaces the target with the source, rows and checkpoint together") {
  Fixture f;
  f.commit("timeline", {{"old1", "o"}, {"shared", "old"}}, 10);
  f.commit("timeline.rebuild", {{"new1", "n"}, {"shared", "new"}}, 12);

  SUBCASE("the swap") {
    REQUIRE(f.store->rename("timeline.rebuild", "timeline").is_ok());
    CHECK(keys(f.scan("timeline")) == std::vector<std::string>{"new1", "shared"});
    CHECK(f.get("timeline", "shared") == std::optional<std::string>("new"));
    CHECK(f.checkpoint("timeline").position == 12);
    CHECK(f.scan("timeline.rebuild").empty());
    CHECK(f.checkpoint("timeline.rebuild").position == 0);
  }
  SUBCASE("a reader in the middle of a scan keeps seeing the old rows") {
    Rows seen;
    bool renamed = false;
    Status s =
        f.store->scan("timeline", "", "", false, [&](std::string_view k, std::string_view v) {
          if (!renamed) {
            renamed = f.store->rename("timeline.rebuild", "timeline").is_ok();
            CHECK(renamed);
          }
          seen.emplace_back(std::string(k), std::string(v));
          return true;
        });
    REQUIRE(s.is_ok());
    CHECK(seen == Rows{{"old1", "o"}, {"shared", "old"}});
    CHECK(keys(f.scan("timeline")) == std::vector<std::string>{"new1", "shared"});
  }
  SUBCASE("...even when the old rows are swept meanwhile") {
    Rows seen;
    Status s =
        f.store->scan("timeline", "", "", false, [&](std::string_view k, std::string_view v) {
          if (seen.empty()) {
            CHECK(f.store->rename("timeline.rebuild", "timeline").is_ok());
            CHECK(f.store->sweep().is_ok());
          }
          seen.emplace_back(std::string(k), std::string(v));
          return true;
        });
    REQUIRE(s.is_ok());
    CHECK(seen == Rows{{"old1", "o"}, {"shared", "old"}});
    CHECK(f.stored_rows() == 2);
  }
  SUBCASE("a missing source is not_found and changes nothing") {
    CHECK(f.store->rename("nothing", "timeline").code() == Code::not_found);
    CHECK(keys(f.scan("timeline")) == std::vector<std::string>{"old1", "shared"});
    CHECK(f.checkpoint("timeline").position == 10);
  }
  SUBCASE("renaming to itself changes nothing") {
    CHECK(f.store->rename("timeline", "timeline").is_ok());
    CHECK(f.checkpoint("timeline").position == 10);
  }
}

TEST_CASE("a swap repoints the name; the replaced rows are swept, and only those") {
  Fixture f;
  std::vector<KvWrite> live, copy;
  for (int i = 0; i < 5000; ++i) {
    live.push_back({"k" + std::to_string(i), "live"});
    copy.push_back({"k" + std::to_string(i), "copy"});
  }
  f.commit("timeline", live, 10);
  f.commit("timeline~rebuild", copy, 10);
  f.commit("other", {{"k", "v"}}, 3);
  REQUIRE(f.store->rename("timeline~rebuild", "timeline").is_ok());
  CHECK(f.get("timeline", "k42") == std::optional<std::string>("copy"));
  CHECK(f.scan("timeline~rebuild").empty());
  // More than kSweepRowsPerTransaction rows: several sweep transactions.
  REQUIRE(f.store->sweep().is_ok());
  CHECK(f.stored_rows() == 5001);
  CHECK(f.count("SELECT COUNT(*) FROM projection_trash") == 0);
  CHECK(f.scan("timeline").size() == 5000);
  CHECK(f.get("other", "k") == std::optional<std::string>("v"));
  CHECK(f.checkpoint("timeline").position == 10);
}

TEST_CASE("names stay right through repeated rebuilds, drops and resumed copies") {
  Fixture f;
  f.commit("timeline", {{"a", "v1"}}, 1);
  for (int round = 2; round <= 6; ++round) {
    const std::string v = "v" + std::to_string(round);
    // A copy of the same name is built, sometimes dropped and built again.
    f.commit("timeline~rebuild", {{"junk", "x"}}, 99);
    if (round % 2 == 0) {
      REQUIRE(f.store->drop("timeline~rebuild").is_ok());
      CHECK(f.scan("timeline~rebuild").empty());
      CHECK(f.checkpoint("timeline~rebuild").position == 0);
      f.commit("timeline~rebuild", {{"a", v}}, round);
    } else {
      f.commit("timeline~rebuild", {{"a", v}, {"junk", std::nullopt}}, round);
    }
    REQUIRE(f.store->rename("timeline~rebuild", "timeline").is_ok());
    CAPTURE(round);
    CHECK(f.scan("timeline") == Rows{{"a", v}});
    CHECK(f.checkpoint("timeline").position == round);
    CHECK(f.scan("timeline~rebuild").empty());
    CHECK(f.checkpoint("timeline~rebuild").position == 0);
  }
  REQUIRE(f.store->sweep().is_ok());
  CHECK(f.stored_rows() == 1);
  CHECK(f.count("SELECT COUNT(*) FROM projection_names") == 2);
}

TEST_CASE("rows a stopped process left in the trash are swept in the background") {
  TempDir tmp;
  auto db = testing::open_read_model_db(tmp.path());
  {
    auto w = db->writer();
    REQUIRE(w->exec("INSERT INTO projection_rows(projection, key, value)"
                    " VALUES('gone', CAST('a' AS BLOB), CAST('1' AS BLOB)),"
                    " ('gone', CAST('b' AS BLOB), CAST('2' AS BLOB)),"
                    " ('kept', CAST('a' AS BLOB), CAST('3' AS BLOB));"
                    " INSERT INTO projection_trash(space) VALUES('gone');")
                .is_ok());
  }
  auto store = SqliteProjectionStore::open(db).value();
  auto left = [&] { return testing::writer_int(*db, "SELECT COUNT(*) FROM projection_rows"); };
  for (int i = 0; i < 500 && left() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(left() == 1);
  auto kept = store->get("kept", "a");
  REQUIRE(kept.ok());
  CHECK(*kept == std::optional<std::string>("3"));
}

TEST_CASE("reads find a name's rows through the primary key, not a scan") {
  Fixture f;
  auto r = f.db->reader();
  REQUIRE(r.ok());
  // The shape of every read: the space looked up inside the statement.
  auto st = r->connection().prepare(
      "EXPLAIN QUERY PLAN SELECT key, value FROM projection_rows WHERE projection ="
      " COALESCE((SELECT space FROM projection_names WHERE name = ?1), ?1)"
      " AND key >= ?2 AND key < ?3 ORDER BY key DESC");
  REQUIRE(st.ok());
  const std::string plan = testing::query_plan(*st);
  CAPTURE(plan);
  CHECK(plan.find("SEARCH projection_rows USING PRIMARY KEY (projection=? AND key>? AND key<?)") !=
        std::string::npos);
  CHECK(plan.find("SCAN") == std::string::npos);
}

TEST_CASE("a commit that does not fit writes neither rows nor checkpoint") {
  Fixture f;
  f.commit("p", {{"a", "1"}}, 1);
  testing::cap_pages(*f.db, 3);
  std::vector<KvWrite> big;
  for (int i = 0; i < 50; ++i) big.push_back({"k" + std::to_string(i), std::string(4000, 'x')});
  big.push_back({"a", std::nullopt});
  Status s = f.store->commit("p", big, Checkpoint{2, 1});
  CHECK(s.code() == Code::storage_full);
  CHECK(f.checkpoint("p").position == 1);
  CHECK(keys(f.scan("p")) == std::vector<std::string>{"a"});

  testing::cap_pages(*f.db, 0);
  f.commit("p", big, 2);
  CHECK(f.scan("p").size() == 50);
  CHECK(f.checkpoint("p").position == 2);
}

TEST_CASE("rows and checkpoints survive reopening the file") {
  TempDir tmp;
  {
    auto db = testing::open_read_model_db(tmp.path());
    SqliteProjectionStore store(db);
    REQUIRE(store.commit("p", {{"a", "1"}}, Checkpoint{4, 2}).is_ok());
  }
  auto db = testing::open_read_model_db(tmp.path());
  SqliteProjectionStore store(db);
  auto cp = store.checkpoint("p");
  REQUIRE(cp.ok());
  CHECK(cp->position == 4);
  CHECK(cp->code_version == 2);
  auto v = store.get("p", "a");
  REQUIRE(v.ok());
  CHECK(*v == std::optional<std::string>("1"));
}

}  // namespace
}  // namespace starlog::store

// ---------------------------------------------------------------------------
// scan_all: rows and checkpoint from one snapshot (projection digests).

namespace starlog::store {
namespace {

TEST_CASE("scan_all visits every row in key order with the checkpoint of the same snapshot") {
  Fixture f;
  f.commit("p", {{"b", "2"}, {"a", "1"}, {std::string("\0x", 2), "0"}}, 7);
  f.commit("q", {{"a", "other"}}, 9);
  Rows rows;
  auto cp = f.store->scan_all("p", [&](std::string_view k, std::string_view v) {
    rows.emplace_back(std::string(k), std::string(v));
  });
  REQUIRE(cp.ok());
  CHECK(cp->position == 7);
  CHECK(keys(rows) == std::vector<std::string>{std::string("\0x", 2), "a", "b"});
  auto none = f.store->scan_all("missing", [](std::string_view, std::string_view) { FAIL(""); });
  REQUIRE(none.ok());
  CHECK(none->position == 0);
}

TEST_CASE("scan_all never sees a commit halfway, while commits run beside it") {
  Fixture f;
  f.commit("p", {{"a", "0"}, {"b", "0"}}, 0);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 200; ++i) {
      const std::string v = std::to_string(i);
      REQUIRE(f.store->commit("p", {{"a", v}, {"b", v}}, Checkpoint{i, 1}).is_ok());
    }
    done = true;
  });
  int scans = 0;
  while (!done || scans == 0) {
    std::map<std::string, std::string> seen;
    auto cp = f.store->scan_all("p", [&](std::string_view k, std::string_view v) {
      seen[std::string(k)] = std::string(v);
    });
    REQUIRE(cp.ok());
    CHECK(seen["a"] == seen["b"]);
    CHECK(seen["a"] == std::to_string(cp->position));
    ++scans;
  }
  writer.join();
}

TEST_CASE("the in-memory store's scan_all agrees with the SQLite one") {
  Fixture f;
  MemoryProjectionStore mem;
  const std::vector<KvWrite> writes = {{"b", "2"}, {"a", "1"}, {"c", std::nullopt}};
  f.commit("p", writes, 3);
  REQUIRE(mem.commit("p", writes, Checkpoint{3, 1}).is_ok());
  Rows a, b;
  auto ca =
      f.store->scan_all("p", [&](std::string_view k, std::string_view v) { a.emplace_back(k, v); });
  auto cb =
      mem.scan_all("p", [&](std::string_view k, std::string_view v) { b.emplace_back(k, v); });
  REQUIRE(ca.ok());
  REQUIRE(cb.ok());
  CHECK(a == b);
  CHECK(ca->position == cb->position);
}

}  // namespace
}  // namespace starlog::store
