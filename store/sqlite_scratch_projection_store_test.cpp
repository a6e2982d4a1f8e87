#include "store/sqlite_scratch_projection_store.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/memory_projection_store.h"

namespace starlog::store {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<ScratchProjectionStore> open_scratch() {
  auto s = ScratchProjectionStore::open();
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  return std::move(*s);
}

// The scratch store and the memory store, given the same calls; each read
// is checked to answer alike.
struct Both {
  std::unique_ptr<ScratchProjectionStore> scratch = open_scratch();
  MemoryProjectionStore memory;

  void commit(const std::string& projection, const std::vector<KvWrite>& writes,
              std::int64_t position) {
    Status s = scratch->commit(projection, writes, Checkpoint{position, 1});
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    REQUIRE(memory.commit(projection, writes, Checkpoint{position, 1}).is_ok());
  }
  std::optional<std::string> get(const std::string& projection, const std::string& key) {
    auto a = scratch->get(projection, key);
    REQUIRE_MESSAGE(a.ok(), a.status().message());
    auto b = memory.get(projection, key);
    REQUIRE(b.ok());
    CHECK(*a == *b);
    return *a;
  }
  Checkpoint checkpoint(const std::string& projection) {
    auto a = scratch->checkpoint(projection);
    REQUIRE_MESSAGE(a.ok(), a.status().message());
    auto b = memory.checkpoint(projection);
    REQUIRE(b.ok());
    CHECK(a->position == b->position);
    CHECK(a->code_version == b->code_version);
    return *a;
  }
  Rows scan(const std::string& projection, std::string_view lower = "", std::string_view upper = "",
            bool reverse = false, std::size_t stop_after = 1'000'000) {
    auto collect = [&](ProjectionStore& store) {
      Rows rows;
      Status s = store.scan(projection, lower, upper, reverse,
                            [&](std::string_view k, std::string_view v) {
                              rows.emplace_back(std::string(k), std::string(v));
                              return rows.size() < stop_after;
                            });
      REQUIRE_MESSAGE(s.is_ok(), s.message());
      return rows;
    };
    Rows a = collect(*scratch);
    CHECK(a == collect(memory));
    return a;
  }
  std::pair<Rows, Checkpoint> scan_all(const std::string& projection) {
    auto collect = [&](ProjectionStore& store) {
      Rows rows;
      auto cp = store.scan_all(projection, [&](std::string_view k, std::string_view v) {
        rows.emplace_back(std::string(k), std::string(v));
      });
      REQUIRE_MESSAGE(cp.ok(), cp.status().message());
      return std::make_pair(rows, *cp);
    };
    auto a = collect(*scratch);
    auto b = collect(memory);
    CHECK(a.first == b.first);
    CHECK(a.second.position == b.second.position);
    CHECK(a.second.code_version == b.second.code_version);
    return a;
  }
};

std::vector<std::string> keys(const Rows& rows) {
  std::vector<std::string> out;
  for (const auto& [k, v] : rows) out.push_back(k);
  return out;
}

TEST_CASE("scratch store: commits with puts and erases read back as from the memory store") {
  Both b;
  CHECK(b.checkpoint("timeline").position == 0);
  CHECK_FALSE(b.get("timeline", "k").has_value());

  b.commit("timeline", {{"k1", "v1"}, {"k2", "v2"}}, 7);
  CHECK(b.get("timeline", "k1") == std::optional<std::string>("v1"));
  CHECK(b.get("timeline", "k2") == std::optional<std::string>("v2"));
  CHECK(b.checkpoint("timeline").position == 7);
  CHECK_FALSE(b.get("other", "k1").has_value());

  SUBCASE("later writes overwrite and erase, in order") {
    b.commit("timeline", {{"k1", "new"}, {"k2", std::nullopt}, {"k3", "x"}, {"k3", std::nullopt}},
             9);
    CHECK(b.get("timeline", "k1") == std::optional<std::string>("new"));
    CHECK_FALSE(b.get("timeline", "k2").has_value());
    CHECK_FALSE(b.get("timeline", "k3").has_value());
    CHECK(b.checkpoint("timeline").position == 9);
  }
  SUBCASE("a commit of no rows still moves the checkpoint") {
    b.commit("timeline", {}, 8);
    CHECK(b.checkpoint("timeline").position == 8);
    CHECK(b.get("timeline", "k1") == std::optional<std::string>("v1"));
  }
  SUBCASE("erasing a key that is not there changes nothing") {
    b.commit("timeline", {{"nope", std::nullopt}}, 8);
    CHECK(keys(b.scan("timeline")) == std::vector<std::string>{"k1", "k2"});
  }
}

TEST_CASE("scratch store: keys and values are bytes, compared bytewise as in the memory store") {
  Both b;
  const std::string nul("a\0b", 3);
  const std::string high("\xff\x01", 2);
  b.commit(
      "p",
      {{"", "empty key"}, {nul, std::string("v\0w", 3)}, {"a", ""}, {high, "high"}, {"B", "upper"}},
      1);
  CHECK(b.get("p", "") == std::optional<std::string>("empty key"));
  CHECK(b.get("p", nul) == std::optional<std::string>(std::string("v\0w", 3)));
  CHECK(b.get("p", "a") == std::optional<std::string>(""));
  // memcmp order: "" < "B" < "a" < "a\0b" < "\xff\x01"
  CHECK(keys(b.scan("p")) == std::vector<std::string>{"", "B", "a", nul, high});
  CHECK(keys(b.scan("p", "", "", true)) == std::vector<std::string>{high, nul, "a", "B", ""});
}

TEST_CASE(
    "scratch store: scans in both directions, with bounds and early stops, match the memory "
    "store") {
  Both b;
  std::vector<KvWrite> writes;
  for (const char* k : {"a1", "a2", "a3", "b1", "b2", "c1"})
    writes.push_back({k, std::string("v") + k});
  b.commit("p", writes, 1);
  b.commit("q", {{"a0", "other projection"}}, 1);

  CHECK(keys(b.scan("p")) == std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "c1"});
  CHECK(keys(b.scan("p", "a2", "b2")) == std::vector<std::string>{"a2", "a3", "b1"});
  CHECK(keys(b.scan("p", "b", "")) == std::vector<std::string>{"b1", "b2", "c1"});
  CHECK(keys(b.scan("p", "a2", "b2", true)) == std::vector<std::string>{"b1", "a3", "a2"});
  CHECK(keys(b.scan("p", "", "", false, 2)) == std::vector<std::string>{"a1", "a2"});
  CHECK(keys(b.scan("p", "", "b", true, 1)) == std::vector<std::string>{"a3"});
  CHECK(b.scan("p", "x", "").empty());
  CHECK(b.scan("none").empty());
  CHECK(b.scan("p", "a1", "a1").empty());
  CHECK(b.scan("p")[0].second == "va1");
  // Every bound pair, both directions, stopping after 0..3 rows.
  const std::vector<std::string> bounds{"", "a", "a1", "a2", "b", "b2", "c", "c1", "d"};
  for (const auto& lower : bounds)
    for (const auto& upper : bounds)
      for (bool reverse : {false, true})
        for (std::size_t stop : {1, 2, 3, 100}) {
          CAPTURE(lower);
          CAPTURE(upper);
          CAPTURE(reverse);
          CAPTURE(stop);
          b.scan("p", lower, upper, reverse, stop);
        }
}

TEST_CASE("scratch store: scan_all returns every row in key order with the checkpoint") {
  Both b;
  b.commit("p", {{"b", "2"}, {"a", "1"}, {"c", "3"}}, 4);
  b.commit("p", {{"b", std::nullopt}, {"d", "4"}}, 6);
  b.commit("q", {{"a", "other"}}, 9);
  auto [rows, cp] = b.scan_all("p");
  CHECK(keys(rows) == std::vector<std::string>{"a", "c", "d"});
  CHECK(cp.position == 6);
  auto [none, zero] = b.scan_all("missing");
  CHECK(none.empty());
  CHECK(zero.position == 0);
  CHECK(zero.code_version == 0);
}

TEST_CASE("scratch store: drop removes one projection's rows and checkpoint") {
  Both b;
  b.commit("p", {{"a", "1"}, {"b", "2"}}, 5);
  b.commit("q", {{"a", "other"}}, 6);
  REQUIRE(b.scratch->drop("p").is_ok());
  REQUIRE(b.memory.drop("p").is_ok());
  CHECK(b.scan("p").empty());
  CHECK(b.checkpoint("p").position == 0);
  CHECK(b.get("q", "a") == std::optional<std::string>("other"));
  CHECK(b.checkpoint("q").position == 6);
  CHECK(b.scratch->drop("never").is_ok());
}

TEST_CASE("scratch store: rename replaces an existing projection whole") {
  Both b;
  b.commit("live", {{"a", "old"}, {"stale", "x"}}, 3);
  b.commit("copy", {{"a", "new"}, {"b", "2"}}, 8);
  REQUIRE(b.scratch->rename("copy", "live").is_ok());
  REQUIRE(b.memory.rename("copy", "live").is_ok());
  CHECK(keys(b.scan("live")) == std::vector<std::string>{"a", "b"});
  CHECK(b.get("live", "a") == std::optional<std::string>("new"));
  CHECK(b.checkpoint("live").position == 8);
  CHECK(b.scan("copy").empty());
  CHECK(b.checkpoint("copy").position == 0);

  SUBCASE("a projection with a checkpoint and no rows is renamed too") {
    b.commit("empty", {}, 11);
    REQUIRE(b.scratch->rename("empty", "live").is_ok());
    REQUIRE(b.memory.rename("empty", "live").is_ok());
    CHECK(b.scan("live").empty());
    CHECK(b.checkpoint("live").position == 11);
  }
}

// Here the scratch store follows SqliteProjectionStore, not the memory
// store (which renames nothing into an empty projection).
TEST_CASE("scratch store: renaming a missing projection is not_found and changes nothing") {
  auto store = open_scratch();
  REQUIRE(store->commit("live", {{"a", "1"}}, Checkpoint{4, 1}).is_ok());
  Status s = store->rename("missing", "live");
  CHECK(s.code() == Code::not_found);
  CHECK(store->get("live", "a")->value_or("") == "1");
  CHECK(store->checkpoint("live")->position == 4);
  CHECK(store->rename("live", "live").is_ok());
  CHECK(store->get("live", "a")->value_or("") == "1");
  CHECK(store->rename("", "live").code() == Code::invalid);
  CHECK(store->rename("live", "").code() == Code::invalid);
}

TEST_CASE("scratch store: a scan visitor may call the store again") {
  auto store = open_scratch();
  REQUIRE(store->commit("p", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, Checkpoint{1, 1}).is_ok());
  int visited = 0;
  Status s = store->scan("p", "", "", false, [&](std::string_view k, std::string_view) {
    ++visited;
    auto nested = store->get("p", std::string(k));
    CHECK((nested.ok() && nested->has_value()));
    Status inner =
        store->scan("p", k, "", true, [](std::string_view, std::string_view) { return true; });
    CHECK(inner.is_ok());
    CHECK(store->commit("log", {{std::string(k), "seen"}}, Checkpoint{visited, 1}).is_ok());
    return true;
  });
  CHECK(s.is_ok());
  CHECK(visited == 3);
  int logged = 0;
  auto cp = store->scan_all("log", [&](std::string_view, std::string_view v) {
    CHECK(v == "seen");
    ++logged;
  });
  REQUIRE(cp.ok());
  CHECK(logged == 3);
  CHECK(cp->position == 3);
}

TEST_CASE("scratch store: an exception from a visitor comes back as io_error; the store goes on") {
  auto store = open_scratch();
  REQUIRE(store->commit("p", {{"a", "1"}}, Checkpoint{1, 1}).is_ok());
  Status s = store->scan("p", "", "", false, [](std::string_view, std::string_view) -> bool {
    throw std::runtime_error("visitor failed");
  });
  CHECK(s.code() == Code::io_error);
  CHECK(s.message().find("visitor failed") != std::string::npos);
  CHECK(store->get("p", "a")->value_or("") == "1");
  REQUIRE(store->commit("p", {{"b", "2"}}, Checkpoint{2, 1}).is_ok());
  CHECK(store->get("p", "b")->value_or("") == "2");
}

TEST_CASE("scratch store: each store is a database of its own") {
  auto one = open_scratch();
  auto two = open_scratch();
  REQUIRE(one->commit("p", {{"a", "1"}}, Checkpoint{1, 1}).is_ok());
  CHECK_FALSE(two->get("p", "a")->has_value());
  CHECK(two->checkpoint("p")->position == 0);
}

// Key i as 8 big-endian bytes: the key order is the numeric order.
std::string be_key(std::uint64_t i) {
  std::string k(8, '\0');
  for (int b = 0; b < 8; ++b) k[static_cast<std::size_t>(b)] = static_cast<char>(i >> (56 - 8 * b));
  return k;
}

// About 1 KiB, different for every key.
std::string value_of(std::uint64_t i) {
  std::string v = "row " + std::to_string(i) + " ";
  v.resize(1000, static_cast<char>('a' + i % 26));
  return v;
}

TEST_CASE(
    "scratch store: 200,000 rows of 1 KB outgrow the page cache and all come back in key order") {
  constexpr std::uint64_t kRows = 200'000;
  constexpr std::uint64_t kPerCommit = 25'000;
  constexpr std::int64_t kCacheBytes = std::int64_t{ScratchProjectionStore::kCacheKib} * 1024;
  auto store = open_scratch();
  // Keys in a scattered order (a multiplier prime to kRows), so the B-tree
  // is written all over, as a replay's puts are.
  for (std::uint64_t first = 0; first < kRows; first += kPerCommit) {
    std::vector<KvWrite> writes;
    for (std::uint64_t n = first; n < first + kPerCommit; ++n) {
      const std::uint64_t i = (n * 7'919) % kRows;
      writes.push_back({be_key(i), value_of(i)});
    }
    Status s =
        store->commit("big", writes, Checkpoint{static_cast<std::int64_t>(first + kPerCommit), 1});
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    auto fp = store->footprint();
    REQUIRE(fp.ok());
    // The page cache keeps to its bound (plus SQLite's per-page headers)
    // while the data grows well past it.
    CHECK(fp->cache_bytes <= kCacheBytes + kCacheBytes / 4);
  }
  auto fp = store->footprint();
  REQUIRE(fp.ok());
  MESSAGE("cache " << fp->cache_bytes << " bytes, database " << fp->database_bytes << " bytes");
  CHECK(fp->database_bytes > 10 * kCacheBytes);

  std::uint64_t next = 0;
  bool in_order = true;
  auto cp = store->scan_all("big", [&](std::string_view k, std::string_view v) {
    if (in_order && (k != be_key(next) || v != value_of(next))) {
      in_order = false;
      FAIL_CHECK("row " << next << " is not where it belongs");
    }
    ++next;
  });
  REQUIRE_MESSAGE(cp.ok(), cp.status().message());
  CHECK(in_order);
  CHECK(next == kRows);
  CHECK(cp->position == static_cast<std::int64_t>(kRows));
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{12'345}, kRows - 1})
    CHECK(store->get("big", be_key(i))->value_or("") == value_of(i));
}

// Files this process writes may not grow past `bytes` while alive; writes
// beyond fail with EFBIG instead of raising SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lower) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST_CASE("scratch store: after a write fails part-way the store refuses every call") {
  auto store = open_scratch();
  REQUIRE(store->commit("p", {{"a", "1"}}, Checkpoint{1, 1}).is_ok());
  Status failed;
  {
    // 40 MB in one commit spills pages past the 16 MiB cache, and the
    // file may not reach 8 MiB: the commit fails with rows half written.
    FileSizeLimit limit(8 << 20);
    std::vector<KvWrite> writes;
    for (std::uint64_t i = 0; i < 40'000; ++i) writes.push_back({be_key(i), value_of(i)});
    failed = store->commit("p", writes, Checkpoint{2, 1});
  }
  REQUIRE_FALSE(failed.is_ok());
  CAPTURE(failed.message());
  // The temporary file's failure, not the database's: never storage_full.
  CHECK(failed.code() == Code::io_error);
  CHECK(failed.message().find("scratch projection store: temporary file") != std::string::npos);

  auto get = store->get("p", "a");
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().code() == Code::io_error);
  CHECK(get.status().message().find("cannot be trusted") != std::string::npos);
  CHECK_FALSE(store->checkpoint("p").ok());
  CHECK_FALSE(store->scan_all("p", [](std::string_view, std::string_view) {}).ok());
  CHECK_FALSE(
      store->scan("p", "", "", false, [](std::string_view, std::string_view) { return true; }));
  CHECK_FALSE(store->commit("p", {{"b", "2"}}, Checkpoint{3, 1}));
  CHECK_FALSE(store->drop("p"));
  CHECK(store->rename("p", "q").code() == Code::io_error);
}

}  // namespace
}  // namespace starlog::store
