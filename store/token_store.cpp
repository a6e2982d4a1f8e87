#include "store/token_store.h"

#include "domain/event_validation.h"

namespace starlog::store {

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status check_new_token(std::string_view name, std::string_view secret_sha256_hex) {
  if (!domain::is_valid_slug(name))
    return Status::invalid(
        "a token name is a slug: lower-case letters, digits and inner hyphens, "
        "at most 64 characters",
        {{"/name", "not a slug"}});
  if (!is_sha256_hex(secret_sha256_hex))
    return Status::invalid("a token is stored as the SHA-256 of its secret",
                           {{"/secret_sha256", "not 64 lower-case hex digits"}});
  return Status::ok();
}

std::string no_such_token(std::string_view name) {
  std::string msg = "no token named '";
  msg.append(name);
  msg += '\'';
  return msg;
}

}  // namespace starlog::store
