#include "api/caching.h"

#include "domain/hash_chain.h"
#include "domain/text.h"

namespace starlog::api {
namespace {

std::string_view opaque_part(std::string_view tag) {
  tag = domain::trim_blanks(tag);
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

std::string derived_etag(std::string_view resource, std::int64_t revision,
                         std::int64_t code_version, const RouteParams& params) {
  // Length-prefixed parts, so no two different requests hash alike.
  std::string material = std::to_string(code_version);
  auto add = [&material](char kind, std::string_view name, std::string_view value) {
    material += kind;
    material += std::to_string(name.size());
    material += ':';
    material += name;
    material += std::to_string(value.size());
    material += ':';
    material += value;
  };
  for (const auto& [name, value] : params.path) add('/', name, value);
  for (const auto& [name, value] : params.query) add('|', name, value);
  std::string tag = "\"";
  tag += resource;
  tag += '-';
  tag += std::to_string(revision);
  tag += '-';
  tag += domain::sha256_hex(material).substr(0, 16);
  tag += '"';
  return tag;
}

bool if_none_match_hits(const Request& req, std::string_view etag) {
  const auto it = req.find(http::field::if_none_match);
  if (it == req.end()) return false;
  std::string_view list = it->value();
  const std::string_view want = opaque_part(etag);
  // An entity tag may contain a comma, ours never do: splitting on ',' is
  // exact for ours, and a foreign tag with a comma merely fails to match.
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = opaque_part(list.substr(0, comma));
    if (item == "*" || item == want) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Response not_modified(const Request& req, std::string_view etag) {
  Response res{http::status::not_modified, req.version()};
  res.keep_alive(req.keep_alive());
  set_validator(res, etag);
  return res;
}

void set_validator(Response& res, std::string_view etag) {
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, "no-cache");
}

}  // namespace starlog::api
