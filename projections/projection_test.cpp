#include "projections/projection.h"

#include <doctest/doctest.h>

#include "projections/row_codec.h"
#include "store/memory_projection_store.h"

namespace starlog::projections {
namespace {

TEST_CASE("PendingRows: edited rows are seen by get and written once, by take") {
  store::MemoryProjectionStore store;
  REQUIRE(
      store
          .commit("p",
                  {{"c/ann", encode_row(Json{{"n", 1}})}, {"c/bob", encode_row(Json{{"n", 5}})}},
                  {1, 1})
          .is_ok());
  PendingRows rows(store, "p");

  auto ann = rows.edit_json("c/ann");
  REQUIRE(ann.ok());
  (**ann)["n"] = 2;
  auto again = rows.edit_json("c/ann");
  REQUIRE(again.ok());
  CHECK(*again == *ann);  // the same object: parsed once per batch
  (**again)["n"] = (**again)["n"].get<int>() + 1;
  CHECK(rows.get("c/ann").value() == std::optional<std::string>(encode_row(Json{{"n", 3}})));

  auto missing = rows.edit_json("c/zed");
  REQUIRE(missing.ok());
  CHECK((*missing)->is_null());
  CHECK_FALSE(rows.get("c/zed").value().has_value());

  auto bob = rows.edit_json("c/bob");
  REQUIRE(bob.ok());
  rows.put("c/bob", encode_row(Json{{"n", 9}}));  // a plain write replaces the edited object
  rows.put("t/1", "x");
  CHECK(rows.bytes() > 0);

  const auto writes = rows.take();
  REQUIRE(writes.size() == 4);
  CHECK(writes[0].key == "c/ann");
  CHECK(writes[0].value == std::optional<std::string>(encode_row(Json{{"n", 3}})));
  CHECK(writes[1].key == "c/bob");
  CHECK(writes[1].value == std::optional<std::string>(encode_row(Json{{"n", 9}})));
  CHECK(writes[2].key == "c/zed");
  CHECK_FALSE(writes[2].value.has_value());  // still absent: an erase of nothing
  CHECK(writes[3].key == "t/1");
  CHECK(rows.empty());
  CHECK(rows.bytes() == 0);
  // The store itself is untouched until the caller commits.
  CHECK(store.get("p", "c/ann").value() == std::optional<std::string>(encode_row(Json{{"n", 1}})));
}

TEST_CASE("PendingRows: rows read as JSON are decoded once, follow writes, and are not written") {
  store::MemoryProjectionStore store;
  REQUIRE(store
              .commit("p",
                      {{"c/ann", encode_row(Json{{"n", 1}})}, {"f/1", encode_row(Json{{"x", 1}})}},
                      {1, 1})
              .is_ok());
  PendingRows rows(store, "p");

  auto ann = rows.read_json("c/ann");
  REQUIRE(ann.ok());
  CHECK(**ann == Json{{"n", 1}});
  auto again = rows.read_json("c/ann");
  REQUIRE(again.ok());
  CHECK(*again == *ann);  // the same decoded object
  CHECK(rows.empty());    // reading writes nothing

  auto missing = rows.read_json("c/zed");
  REQUIRE(missing.ok());
  CHECK((*missing)->is_null());

  // A write of a row read before is what the next read sees.
  rows.put("f/1", encode_row(Json{{"x", 2}}));
  CHECK(**rows.read_json("f/1") == Json{{"x", 2}});
  rows.erase("f/1");
  CHECK((*rows.read_json("f/1"))->is_null());

  // An edit starts from the row as read, and reads see the edit.
  auto edit = rows.edit_json("c/ann");
  REQUIRE(edit.ok());
  (**edit)["n"] = 7;
  CHECK(**rows.read_json("c/ann") == Json{{"n", 7}});

  const auto writes = rows.take();
  REQUIRE(writes.size() == 2);  // the edit and the erase; the reads write nothing
  CHECK(writes[0].key == "c/ann");
  CHECK(writes[0].value == std::optional<std::string>(encode_row(Json{{"n", 7}})));
  CHECK(writes[1].key == "f/1");
  CHECK_FALSE(writes[1].value.has_value());
  CHECK(rows.bytes() == 0);
  // After take() reads come from the store again.
  CHECK(**rows.read_json("c/ann") == Json{{"n", 1}});
}

}  // namespace
}  // namespace starlog::projections
