#include "api/openapi.h"

#include "api/caching.h"
#include "domain/hash_chain.h"

namespace starlog::api {

namespace generated {
// Defined in the source CMake generates from api/openapi.json.
extern const char* const kOpenApiJson;
extern const std::size_t kOpenApiJsonSize;
}  // namespace generated

std::string_view openapi_document() {
  return {generated::kOpenApiJson, generated::kOpenApiJsonSize};
}

void add_openapi_route(Router& router) {
  router.add(http::verb::get, "/openapi.json", domain::Permission::none,
             [](const Request& req, const RouteParams&) {
               static const std::string etag =
                   "\"openapi-" + domain::sha256_hex(openapi_document()).substr(0, 16) + "\"";
               if (if_none_match_hits(req, etag)) return not_modified(req, etag);
               Response res{http::status::ok, req.version()};
               res.keep_alive(req.keep_alive());
               res.set(http::field::content_type, kJsonContentType);
               res.body() = std::string(openapi_document());
               res.prepare_payload();
               set_validator(res, etag);
               return res;
             });
}

}  // namespace starlog::api
