// HttpClient: a small synchronous HTTP/1.1 client for tests.
//
// One connection, kept alive between requests and reopened when the server
// closed it. Every call is bounded by the timeout (10 s by default) so a
// test fails instead of hanging. Failures to connect, send or receive throw
// std::runtime_error naming the request; an HTTP error status is a normal
// result.
//
// A request on a reused connection that gets no response bytes at all (the
// server closed the idle connection just before) is sent once more on a new
// connection, as browsers do; tests that count requests should know this.
//
// Threads: one thread at a time per client; use one client per thread.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "domain/json.h"

namespace starlog::test {

namespace http = boost::beast::http;

// Request header fields by name, sent as given.
using Headers = std::map<std::string, std::string>;

struct HttpResult {
  int status = 0;  // 0 only from send_raw() when the server answered nothing
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;

  // The body parsed as JSON; throws std::runtime_error quoting the body if
  // it is not JSON.
  Json json() const;
  // The header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, unsigned short port,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request. A non-empty body without a Content-Type header is sent
  // as application/json. Host, User-Agent and Content-Length are set here.
  HttpResult request(http::verb method, std::string_view target, std::string body = "",
                     const Headers& headers = {});
  HttpResult get(std::string_view target, const Headers& headers = {});
  HttpResult head(std::string_view target, const Headers& headers = {});
  HttpResult post(std::string_view target, std::string body, const Headers& headers = {});
  HttpResult post_json(std::string_view target, const Json& body, const Headers& headers = {});

  // Writes `bytes` verbatim on a fresh connection and reads one response
  // (status 0 if the server closed without answering); then closes. For
  // testing how the server copes with broken HTTP.
  HttpResult send_raw(std::string_view bytes);

  // Headers sent with every request from now on (e.g. a bearer token); those
  // given to a single request win.
  void set_default_headers(Headers headers);

  // Closes the connection; the next request opens a new one.
  void close();
  // How many TCP connections this client has opened so far.
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace starlog::test
