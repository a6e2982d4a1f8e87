// PgPool: idle PostgreSQL connections to one database, shared by the
// threads of one store. take() hands out an idle connection that is still
// alive (PgConnection::alive: a server restart leaves idle connections
// whose sockets are closed, and they are dropped here rather than failing
// the next request), or opens a new one; give() returns it, keeping at most
// `max_idle`. A broken connection is never kept. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg_connection.h"

namespace starlog::store {

class PgPool {
 public:
  PgPool(std::string uri, std::size_t max_idle) : uri_(std::move(uri)), max_idle_(max_idle) {}

  // unavailable when no connection can be opened.
  Result<std::unique_ptr<PgConnection>> take();
  void give(std::unique_ptr<PgConnection> c);

  // Runs f(connection) on a connection taken from the pool and gives it
  // back; f returns a Status or a Result. When f fails with unavailable on
  // a connection that had been idle (the server went away meanwhile), f
  // runs once more on a fresh connection: only for work that is safe to
  // repeat (reads, single statements that decide by constraint).
  template <class F>
  auto with(F&& f) -> decltype(f(std::declval<PgConnection&>()));

  const std::string& uri() const { return uri_; }

 private:
  std::unique_ptr<PgConnection> idle();

  const std::string uri_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
};

template <class F>
auto PgPool::with(F&& f) -> decltype(f(std::declval<PgConnection&>())) {
  std::unique_ptr<PgConnection> c = idle();
  const bool reused = c != nullptr;
  if (!c) {
    auto opened = PgConnection::open(uri_);
    if (!opened.ok()) return opened.status();
    c = std::move(*opened);
  }
  auto out = f(*c);
  auto failed = [](const auto& r) {
    if constexpr (std::is_same_v<std::decay_t<decltype(r)>, Status>)
      return r.code() == Code::unavailable;
    else
      return !r.ok() && r.status().code() == Code::unavailable;
  };
  if (reused && failed(out)) {
    auto opened = PgConnection::open(uri_);
    if (!opened.ok()) return opened.status();
    c = std::move(*opened);
    out = f(*c);
  }
  give(std::move(c));
  return out;
}

}  // namespace starlog::store
