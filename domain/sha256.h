// Sha256: SHA-256 over bytes fed in pieces (OpenSSL EVP underneath), for
// digests of inputs too large to hold as one string (projection digests).
// Not thread-safe; one object per digest.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace starlog::domain {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest of everything fed so far, lower-case hex. REQUIRES: called
  // once; the object is spent afterwards.
  std::string finish_hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace starlog::domain
