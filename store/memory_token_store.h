// MemoryTokenStore: the TokenStore in memory, for tests. Same contract as
// store/token_store.h; thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>

#include "domain/clock.h"
#include "store/token_store.h"

namespace starlog::store {

class MemoryTokenStore final : public TokenStore {
 public:
  // `clock` must outlive the store.
  explicit MemoryTokenStore(domain::Clock& clock) : clock_(clock) {}

  Status create(const std::string& name, domain::Role role,
                const std::string& secret_sha256_hex) override;
  Result<std::vector<TokenInfo>> list() override;
  Status revoke(std::string_view name) override;
  Result<std::optional<TokenMatch>> find_by_hash(std::string_view secret_sha256_hex) override;

 private:
  domain::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, TokenMatch, std::less<>> by_name_;
};

}  // namespace starlog::store
