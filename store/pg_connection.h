// PgConnection: one libpq connection (libpq-fe.h) with parameterised
// statements whose values travel as text, and the results they return. Used
// by the PostgreSQL stores only; no libpq type leaves store/.
//
// Failures are Status values: unavailable for a lost or refused connection
// and for a server shutting down or starting (SQLSTATE class 08, 57P01-03),
// io_error for other errors of the server (its SQLSTATE and message in the
// text, see pg_sqlstate); the
// statement is then over and, inside a transaction, the transaction is
// aborted. Not thread-safe: one thread at a time per connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/status.h"

struct pg_conn;
struct pg_result;

namespace starlog::store {

class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  ~PgResult();
  int rows() const;
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::int64_t int64(int row, int column) const;

 private:
  pg_result* r_;
};

// A statement parameter: text, or SQL NULL.
using PgParam = std::optional<std::string>;

class PgConnection {
 public:
  // Connects to `uri` (postgresql://... or a libpq key=value string).
  static Result<std::unique_ptr<PgConnection>> open(const std::string& uri);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` ($1, $2, ... for the parameters) and returns its rows. Each
  // distinct text is prepared once per connection (PQprepare) and executed
  // by name afterwards, so the server parses and plans it once.
  Result<PgResult> query(const std::string& sql, const std::vector<PgParam>& params = {});
  // The same for a statement whose rows nobody reads (or several, without
  // parameters: a script).
  Status run(const std::string& sql, const std::vector<PgParam>& params = {});
  // False once the server or the network is gone (as far as libpq knows).
  bool ok() const;
  // ok(), after reading whatever the server sent while the connection was
  // idle, without blocking: a server that restarted or closed the
  // connection meanwhile has left an end of file on the socket, which makes
  // this false. For connections taken from a pool.
  bool alive();
  // For LISTEN: the socket, reading what arrived, and the next notification
  // (channel, payload), if any.
  int socket() const;
  Status consume();
  std::optional<std::pair<std::string, std::string>> notification();

 private:
  explicit PgConnection(pg_conn* c) : c_(c) {}
  // The name `sql` is prepared under on this connection, preparing it
  // first; nullopt (and the failure in `error`) when it cannot be.
  std::optional<std::string> prepared(const std::string& sql, std::size_t params, Status& error);
  pg_conn* c_;
  std::unordered_map<std::string, std::string> prepared_;
};

// The SQLSTATE of a failure from PgConnection ("40001", ...), or "" when
// it did not come from the server (e.g. the connection was lost).
std::string pg_sqlstate(const Status& s);

}  // namespace starlog::store
