#include "api/frontend.h"

#include "api/compression.h"

namespace starlog::api {

Handler frontend_handler(Handler inner, const Router& router, const Cors& cors) {
  return [inner = std::move(inner), &router, &cors](const Request& req) {
    if (auto answer = cors.options(req, router)) return std::move(*answer);
    Response res = inner(req);
    cors.decorate(req, res);
    compress_if_accepted(req, res);
    return res;
  };
}

}  // namespace starlog::api
