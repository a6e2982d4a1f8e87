#include "store/memory_tables.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace starlog::store {
namespace {

std::vector<std::string> keys_in(MemoryTables<int>& tables, std::string_view lower,
                                 std::string_view upper) {
  std::vector<std::string> out;
  auto [first, last] = MemoryTables<int>::range(*tables.find("p"), lower, upper);
  for (auto it = first; it != last; ++it) out.push_back(it->first);
  return out;
}

}  // namespace

TEST_CASE("memory tables: a scan range is lower <= key < upper, an empty upper unbounded") {
  MemoryTables<int> tables;
  auto& t = tables.open("p");
  for (const char* k : {"a", "b", "c", "d"}) t.rows[k] = 1;
  CHECK(keys_in(tables, "b", "d") == std::vector<std::string>{"b", "c"});
  CHECK(keys_in(tables, "b", "") == std::vector<std::string>{"b", "c", "d"});
  CHECK(keys_in(tables, "", "") == std::vector<std::string>{"a", "b", "c", "d"});
  // An upper bound at or below the lower one is empty, never a walk past the end.
  CHECK(keys_in(tables, "c", "b").empty());
  CHECK(keys_in(tables, "c", "c").empty());
}

TEST_CASE("memory tables: checkpoint, drop and rename of present and absent projections") {
  MemoryTables<int> tables;
  CHECK(tables.find("p") == nullptr);
  CHECK(tables.checkpoint("p").position == 0);
  const auto g0 = tables.generation();

  auto& t = tables.open("p");
  t.rows["k"] = 7;
  t.checkpoint = {5, 2};
  CHECK(tables.checkpoint("p").position == 5);
  CHECK(tables.checkpoint("p").code_version == 2);

  tables.rename("p", "q");
  CHECK(tables.find("p") == nullptr);
  REQUIRE(tables.find("q") != nullptr);
  CHECK(tables.find("q")->rows.at("k") == 7);
  CHECK(tables.checkpoint("q").position == 5);
  CHECK(tables.generation() > g0);

  // Renaming a projection that never committed leaves `to` empty.
  tables.rename("absent", "q");
  REQUIRE(tables.find("q") != nullptr);
  CHECK(tables.find("q")->rows.empty());
  CHECK(tables.checkpoint("q").position == 0);

  const auto g1 = tables.generation();
  tables.drop("q");
  tables.drop("never");
  CHECK(tables.find("q") == nullptr);
  CHECK(tables.generation() == g1 + 2);
}

}  // namespace starlog::store
