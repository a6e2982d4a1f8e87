#include "store/memory_token_store.h"

namespace starlog::store {

Status MemoryTokenStore::create(const std::string& name, domain::Role role,
                                const std::string& secret_sha256_hex) {
  if (Status s = check_new_token(name, secret_sha256_hex); !s) return s;
  std::lock_guard<std::mutex> lock(mu_);
  if (by_name_.count(name)) return Status::conflict("a token named '" + name + "' exists");
  for (const auto& [n, t] : by_name_)
    if (t.secret_sha256 == secret_sha256_hex) return Status::conflict("that secret is in use");
  by_name_[name] = TokenMatch{TokenInfo{name, role, clock_.now(), std::nullopt}, secret_sha256_hex};
  return Status::ok();
}

Result<std::vector<TokenInfo>> MemoryTokenStore::list() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TokenInfo> out;
  for (const auto& [n, t] : by_name_) out.push_back(t.info);
  return out;
}

Status MemoryTokenStore::revoke(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return Status::not_found(no_such_token(name));
  if (!it->second.info.revoked_at) it->second.info.revoked_at = clock_.now();
  return Status::ok();
}

Result<std::optional<TokenMatch>> MemoryTokenStore::find_by_hash(
    std::string_view secret_sha256_hex) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [n, t] : by_name_)
    if (t.secret_sha256 == secret_sha256_hex) return std::optional<TokenMatch>(t);
  return std::optional<TokenMatch>();
}

}  // namespace starlog::store
