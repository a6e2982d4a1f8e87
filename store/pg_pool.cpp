#include "store/pg_pool.h"

namespace starlog::store {

std::unique_ptr<PgConnection> PgPool::idle() {
  std::lock_guard lock(mu_);
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (c->alive()) return c;
  }
  return nullptr;
}

Result<std::unique_ptr<PgConnection>> PgPool::take() {
  if (auto c = idle()) return c;
  return PgConnection::open(uri_);
}

void PgPool::give(std::unique_ptr<PgConnection> c) {
  if (!c || !c->ok()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

}  // namespace starlog::store
