// HTTP vocabulary shared by the router, the handlers and the server.
//
// A handler is a plain function from Request to Response: it knows no socket,
// no strand and no connection state. The server (api/server.h) owns the bytes;
// it fixes up Content-Length, `Server` and keep-alive after a handler returns,
// so a handler only decides status, headers and body.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "domain/json.h"

namespace starlog::api {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// Called concurrently from the server's threads: a Handler must be
// thread-safe. Exceptions it throws become a 500 problem (see api/router.h);
// they never reach the socket.
using Handler = std::function<Response(const Request&)>;

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
inline constexpr std::string_view kServerName = "starlog";

// A response whose body is `body` serialised as compact JSON. Strings that
// are not valid UTF-8 are written with U+FFFD instead of throwing, so building
// a response never fails halfway through a request.
inline Response json_response(http::status status, const Json& body, unsigned version,
                              bool keep_alive) {
  Response res{status, version};
  res.set(http::field::content_type, kJsonContentType);
  res.keep_alive(keep_alive);
  res.body() = to_wire(body);
  res.prepare_payload();
  return res;
}

// The same for a document already serialized with to_wire().
inline Response json_text_response(http::status status, std::string text, const Request& req) {
  Response res{status, req.version()};
  res.set(http::field::content_type, kJsonContentType);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(text);
  res.prepare_payload();
  return res;
}

// Adds `token` to the response's Vary header unless it is already there.
inline void add_vary(http::response_header<>& res, std::string_view token) {
  const auto it = res.find(http::field::vary);
  if (it == res.end()) {
    res.set(http::field::vary, token);
    return;
  }
  std::string value(it->value());
  if (value.find(token) != std::string::npos) return;
  value += ", ";
  value += token;
  res.set(http::field::vary, value);
}

// The same, answering `req` (its HTTP version and keep-alive wish).
inline Response json_response(http::status status, const Json& body, const Request& req) {
  return json_response(status, body, req.version(), req.keep_alive());
}

}  // namespace starlog::api
