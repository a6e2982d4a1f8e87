#include "api/whoami.h"

#include "api/auth.h"

namespace starlog::api {

void add_whoami_route(Router& router) {
  router.add(http::verb::get, "/v1/whoami", domain::Permission::read,
             [](const Request& req, const RouteParams& params) {
               if (!params.principal)
                 return unauthorized(req, "send Authorization: Bearer <token> to learn whose it is",
                                     false);
               using domain::Permission;
               const domain::Role role = params.principal->role;
               Json may = Json::array();
               for (Permission p :
                    {Permission::read, Permission::append, Permission::audit, Permission::admin})
                 if (domain::allows(role, p)) may.push_back(std::string(domain::to_string(p)));
               Response res = json_response(http::status::ok,
                                            Json{{"name", params.principal->name},
                                                 {"role", std::string(domain::to_string(role))},
                                                 {"may", std::move(may)}},
                                            req.version(), req.keep_alive());
               res.set(http::field::cache_control, "no-store");
               res.set(http::field::vary, "Authorization");
               return res;
             });
}

}  // namespace starlog::api
