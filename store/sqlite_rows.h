// Reading projection rows out of a bound statement, shared by the SQLite
// projection stores (store/sqlite_projection_store.h, the scratch store).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/projection_store.h"
#include "store/sqlite_database.h"

namespace starlog::store {

// Steps `st` to its end, or until `visit(key, value)` (columns 0 and 1)
// returns false.
template <class Visit>
Status visit_rows(SqliteStatement& st, Visit&& visit) {
  for (;;) {
    auto row = st.step();
    if (!row) return row.status();
    if (!*row || !visit(st.blob(0), st.blob(1))) return Status::ok();
  }
}

// A range scan as both stores make it: `texts[reverse][bounded]` is the SQL
// (?1 projection, ?2 lower bound, ?3 upper bound when bounded), an empty
// `upper` is no upper bound. Rows go to `visit(key, value)` until it
// returns false.
template <class Visit>
Status scan_range(SqliteConnection& c, const char* const (&texts)[2][2],
                  std::string_view projection, std::string_view lower, std::string_view upper,
                  bool reverse, Visit&& visit) {
  const bool bounded = !upper.empty();
  auto st = c.prepare(texts[reverse ? 1 : 0][bounded ? 1 : 0]);
  if (!st) return st.status();
  st->bind_text(1, projection).bind_blob(2, lower);
  if (bounded) st->bind_blob(3, upper);
  return visit_rows(*st, std::forward<Visit>(visit));
}

// Every row of `projection` in key order to `visit(key, value)`.
template <class Visit>
Status scan_every(SqliteConnection& c, const char* const (&texts)[2][2],
                  std::string_view projection, Visit&& visit) {
  return scan_range(c, texts, projection, {}, {}, false,
                    [&](std::string_view k, std::string_view v) {
                      visit(k, v);
                      return true;
                    });
}

// Column 0 of the statement's first row as bytes; nullopt without a row.
inline Result<std::optional<std::string>> first_blob(SqliteStatement& st) {
  auto row = st.step();
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(st.blob(0)));
}

// The checkpoint (position, code_version) in the statement's first row;
// {0, 0} without a row.
inline Result<Checkpoint> first_checkpoint(SqliteStatement& st) {
  auto row = st.step();
  if (!row) return row.status();
  if (!*row) return Checkpoint{};
  return Checkpoint{st.int64(0), st.int64(1)};
}

}  // namespace starlog::store
