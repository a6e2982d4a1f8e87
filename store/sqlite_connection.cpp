// SqliteConnection, SqliteStatement, SqliteTransaction: see
// store/sqlite_connection.h.
#include "store/sqlite_connection.h"

#include <algorithm>

namespace starlog::store {
namespace {

// A non-null pointer for empty text and blobs: sqlite3_bind_blob(nullptr)
// would bind NULL instead of an empty value.
constexpr char kEmpty[] = "";

// The SQL text as context for an error message, shortened.
std::string sql_context(sqlite3_stmt* stmt) {
  const char* sql = stmt ? sqlite3_sql(stmt) : nullptr;
  if (!sql) return {};
  std::string s(sql);
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Status status_for(int rc, std::string msg) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::ok();
    case SQLITE_FULL:
      return Status::storage_full(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corrupt(std::move(msg));
    default:
      return Status::io_error(std::move(msg));
  }
}

}  // namespace

Status sqlite_status(int rc, sqlite3* db, std::string_view what) {
  // errmsg describes the connection's latest error, which is this one only
  // when the codes agree.
  const char* detail =
      db && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return status_for(rc, std::string(what) + ": " + detail);
}

// ---------------------------------------------------------------------------
// SqliteStatement

SqliteStatement::SqliteStatement(SqliteConnection* conn, sqlite3_stmt* stmt, bool* in_use,
                                 bool owned)
    : conn_(conn), stmt_(stmt), in_use_(in_use), owned_(owned) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : conn_(other.conn_),
      stmt_(other.stmt_),
      in_use_(other.in_use_),
      owned_(other.owned_),
      bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (!stmt_) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_) *in_use_ = false;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, std::string_view value) {
  int rc = sqlite3_bind_blob64(stmt_, index, value.empty() ? kEmpty : value.data(), value.size(),
                               SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Result<bool> SqliteStatement::step() {
  if (bind_rc_ != SQLITE_OK) return conn_->error(bind_rc_, "binding " + sql_context(stmt_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->error(rc, sql_context(stmt_));
}

Status SqliteStatement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.status();
    if (!*r) return Status::ok();
  }
}

std::int64_t SqliteStatement::int64(int column) { return sqlite3_column_int64(stmt_, column); }

std::string_view SqliteStatement::text(int column) {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

std::string_view SqliteStatement::blob(int column) {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

bool SqliteStatement::is_null(int column) {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------
// SqliteConnection

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path, int flags,
                                                                 int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite_status(rc, db, "cannot open database '" + path + "'");
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::ok();
  std::string what = sql.size() > 60 ? sql.substr(0, 57) + "..." : sql;
  Status s = status_for(rc, what + ": " + (err ? err : sqlite3_errstr(rc)));
  sqlite3_free(err);
  return s;
}

Result<SqliteStatement> SqliteConnection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use) {
    it->second->in_use = true;
    return SqliteStatement(this, it->second->stmt, &it->second->in_use, false);
  }
  sqlite3_stmt* stmt = nullptr;
  const bool cache = it == cache_.end();
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    std::string what = "preparing " + std::string(sql.substr(0, 60));
    return error(rc, what);
  }
  if (!cache) return SqliteStatement(this, stmt, nullptr, true);
  auto slot = std::make_unique<Cached>();
  slot->stmt = stmt;
  slot->in_use = true;
  bool* flag = &slot->in_use;
  cache_.emplace(std::string(sql), std::move(slot));
  return SqliteStatement(this, stmt, flag, false);
}

// ---------------------------------------------------------------------------
// SqliteTransaction

SqliteTransaction::~SqliteTransaction() {
  if (open_ && conn_.in_transaction()) conn_.exec("ROLLBACK");
}

Status SqliteTransaction::begin() {
  Status s = conn_.exec("BEGIN IMMEDIATE");
  open_ = s.is_ok();
  return s;
}

Status SqliteTransaction::commit() {
  Status s = conn_.exec("COMMIT");
  if (s) open_ = false;
  return s;
}

}  // namespace starlog::store
