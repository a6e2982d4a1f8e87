#include "store/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>

namespace starlog::store {

PgResult::~PgResult() {
  if (r_) PQclear(r_);
}
int PgResult::rows() const { return PQntuples(r_); }
bool PgResult::is_null(int row, int column) const { return PQgetisnull(r_, row, column) == 1; }
std::string_view PgResult::text(int row, int column) const {
  return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}
std::int64_t PgResult::int64(int row, int column) const {
  std::int64_t v = 0;
  const std::string_view t = text(row, column);
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

namespace {
constexpr std::string_view kStatePrefix = "postgresql [";

Status failure_of(pg_conn* c, pg_result* r) {
  std::string msg(kStatePrefix);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  msg += state ? state : "";
  msg += "]: ";
  const char* text = r ? PQresultErrorMessage(r) : nullptr;
  msg += text && *text ? text : PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // The connection is gone, or the server is shutting down or starting:
  // nothing the request did is known to stand; it may be sent again.
  const std::string_view code = state ? state : "";
  if (PQstatus(c) != CONNECTION_OK || code.starts_with("08") || code == "57P01" ||
      code == "57P02" || code == "57P03")
    return Status::unavailable(std::move(msg));
  return Status::io_error(std::move(msg));
}
}  // namespace

std::string pg_sqlstate(const Status& s) {
  const std::string& m = s.message();
  if (m.rfind(kStatePrefix, 0) != 0) return {};
  const auto end = m.find(']', kStatePrefix.size());
  return end == std::string::npos ? std::string()
                                  : m.substr(kStatePrefix.size(), end - kStatePrefix.size());
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& uri) {
  pg_conn* c = PQconnectdb(uri.c_str());
  if (!c) return Status::io_error("postgresql: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = "postgresql: cannot connect: ";
    msg += PQerrorMessage(c);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(c);
    return Status::unavailable(std::move(msg));
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(c));
  // Quiet: NOTICEs (IF NOT EXISTS ...) are not for the terminal.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  if (Status s = conn->run("SET client_min_messages = warning"); !s) return s;
  return conn;
}

PgConnection::~PgConnection() { PQfinish(c_); }

Result<PgResult> PgConnection::query(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Status prepare_error;
  const auto name = prepared(sql, params.size(), prepare_error);
  if (!name) return prepare_error;
  pg_result* r = PQexecPrepared(c_, name->c_str(), static_cast<int>(values.size()), values.data(),
                                nullptr, nullptr, 0);
  if (!r) return failure_of(c_, nullptr);
  const auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Status s = failure_of(c_, r);
    PQclear(r);
    return s;
  }
  return PgResult(r);
}

std::optional<std::string> PgConnection::prepared(const std::string& sql, std::size_t params,
                                                  Status& error) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  std::string name = "s" + std::to_string(prepared_.size() + 1);
  pg_result* r = PQprepare(c_, name.c_str(), sql.c_str(), static_cast<int>(params), nullptr);
  const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) {
    error = failure_of(c_, r);
    if (r) PQclear(r);
    return std::nullopt;
  }
  PQclear(r);
  prepared_.emplace(sql, name);
  return name;
}

Status PgConnection::run(const std::string& sql, const std::vector<PgParam>& params) {
  if (params.empty()) {
    // Several statements (a script) need the simple protocol.
    pg_result* r = PQexec(c_, sql.c_str());
    if (!r) return failure_of(c_, nullptr);
    const auto status = PQresultStatus(r);
    Status s =
        status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK ? Status::ok() : failure_of(c_, r);
    PQclear(r);
    return s;
  }
  auto r = query(sql, params);
  return r.ok() ? Status::ok() : r.status();
}

bool PgConnection::ok() const { return PQstatus(c_) == CONNECTION_OK; }
int PgConnection::socket() const { return PQsocket(c_); }

bool PgConnection::alive() {
  if (!ok()) return false;
  // A server that shut down sent a last message, then closed: the first
  // read takes the message, a later one finds the end of file.
  for (int i = 0; i < 4 && ok(); ++i) {
    pollfd fd{PQsocket(c_), POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0) break;
    if (PQconsumeInput(c_) != 1) return false;
  }
  return ok();
}

Status PgConnection::consume() {
  if (PQconsumeInput(c_) != 1) return failure_of(c_, nullptr);
  return Status::ok();
}

std::optional<std::pair<std::string, std::string>> PgConnection::notification() {
  PGnotify* n = PQnotifies(c_);
  if (!n) return std::nullopt;
  std::pair<std::string, std::string> out{n->relname, n->extra ? n->extra : ""};
  PQfreemem(n);
  return out;
}

}  // namespace starlog::store
