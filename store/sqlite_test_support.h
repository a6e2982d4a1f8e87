// Helpers for the store's tests only: a fresh temporary database file per
// test, removed afterwards.
#pragma once

#include <doctest/doctest.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite_database.h"

namespace starlog::store::testing {

// A new directory under the system temp dir; `path` names a database file
// inside it that does not exist yet.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "starlog-store-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    dir_ = made;
    path_ = dir_ + "/starlog.db";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

inline std::shared_ptr<SqliteDatabase> open_db(const std::string& path) {
  auto db = SqliteDatabase::open(path);
  REQUIRE_MESSAGE(db.ok(), db.status().message());
  return *db;
}

// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the calling thread's
// effective capabilities (Linux keeps them per thread), so that file modes
// bind it even when the tests run as root. true on success (also when it
// had neither).
inline bool drop_file_override_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const std::uint32_t drop = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
  data[0].effective &= ~drop;
  return ::syscall(SYS_capset, &header, data) == 0;
}

// A read-model file (SqliteProjectionStore's), as the log's neighbour.
inline std::shared_ptr<SqliteDatabase> open_read_model_db(const std::string& path) {
  auto db = SqliteDatabase::open_read_models(path);
  REQUIRE_MESSAGE(db.ok(), db.status().message());
  return *db;
}

// One integer from `sql` on the writer connection (e.g. PRAGMA page_count).
inline std::int64_t writer_int(SqliteDatabase& db, const char* sql) {
  auto w = db.writer();
  auto st = w->prepare(sql);
  REQUIRE(st.ok());
  auto row = st->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->int64(0);
}

// The plan SQLite makes for `st` (prepared as "EXPLAIN QUERY PLAN ...", its
// parameters bound), one line per step.
inline std::string query_plan(SqliteStatement& st) {
  std::string plan;
  for (;;) {
    auto row = st.step();
    REQUIRE(row.ok());
    if (!*row) return plan;
    plan += std::string(st.text(3)) + "\n";
  }
}

// Caps the file at its current size plus `extra_pages`, per connection
// (PRAGMA max_page_count), to provoke SQLITE_FULL. 0 lifts the cap.
inline void cap_pages(SqliteDatabase& db, std::int64_t extra_pages) {
  const std::int64_t pages = writer_int(db, "PRAGMA page_count");
  const std::int64_t cap = extra_pages == 0 ? 1'000'000'000 : pages + extra_pages;
  auto w = db.writer();
  REQUIRE(w->exec("PRAGMA max_page_count=" + std::to_string(cap)).is_ok());
}

}  // namespace starlog::store::testing
