// Reading projection rows out of a bound statement, shared by the SQLite
// projection stores (store/sqlite_projection_store.h, the scratch store).
#pragma once

#include <optional>
#include <string>

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
