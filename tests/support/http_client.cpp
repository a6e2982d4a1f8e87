#include "tests/support/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <stdexcept>
#include <utility>

namespace starlog::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// What one write-then-read exchange produced.
struct Exchange {
  beast::error_code ec;  // of the read (or of the write when nothing was read)
  bool any_response_bytes = false;
  http::response<http::string_body> response;
};

HttpResult to_result(const http::response<http::string_body>& res) {
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name = lower(field.name_string());
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  out.body = res.body();
  return out;
}

}  // namespace

Json HttpResult::json() const {
  try {
    return Json::parse(body);
  } catch (const Json::exception& e) {
    throw std::runtime_error("response body is not JSON (" + std::string(e.what()) +
                             "): " + body.substr(0, 500));
  }
}

std::string HttpResult::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
  Impl(std::string h, unsigned short p, std::chrono::milliseconds t)
      : host(std::move(h)), port(p), timeout(t) {}

  std::string host;
  unsigned short port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int opened = 0;
  Headers defaults;

  std::string where() const { return host + ":" + std::to_string(port); }

  // Runs one coroutine to completion on the private io_context. The stream's
  // deadlines end it normally; run_for() is only the backstop.
  template <class T>
  T run(asio::awaitable<T> op) {
    std::optional<T> value;
    std::exception_ptr error;
    asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value = std::move(v);
    });
    ioc.restart();
    ioc.run_for(timeout + std::chrono::seconds(5));
    if (!value && !error) {
      // Still pending: close the socket (keeping the stream object the
      // coroutine refers to) so its operations fail and it finishes.
      if (stream) {
        beast::error_code ec;
        stream->socket().close(ec);
      }
      ioc.restart();
      ioc.run();
      drop();
      throw std::runtime_error("HttpClient: no answer from " + where() + " in time");
    }
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }

  void drop() {
    if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->socket().close(ec);
    }
    stream.reset();
    buffer.clear();
  }

  asio::awaitable<beast::error_code> connect_op() {
    tcp::resolver resolver(ioc);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), kAsTuple);
    if (rec) co_return rec;
    stream.emplace(ioc);
    stream->expires_after(timeout);
    auto [cec, ep] = co_await stream->async_connect(endpoints, kAsTuple);
    co_return cec;
  }

  void connect() {
    drop();
    if (const beast::error_code ec = run(connect_op())) {
      drop();
      throw std::runtime_error("HttpClient: cannot connect to " + where() + ": " + ec.message());
    }
    ++opened;
  }

  asio::awaitable<Exchange> exchange_op(const std::string* raw,
                                        http::request<http::string_body>* req, bool head) {
    Exchange x;
    stream->expires_after(timeout);
    beast::error_code wec;
    if (raw) {
      std::tie(wec, std::ignore) =
          co_await asio::async_write(*stream, asio::buffer(*raw), kAsTuple);
    } else {
      std::tie(wec, std::ignore) = co_await http::async_write(*stream, *req, kAsTuple);
    }
    // Even after a failed write the server may have answered already (a 413
    // before the whole body arrived), so read regardless.
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{256} << 20);
    parser.skip(head);
    stream->expires_after(timeout);
    auto [rec, n] = co_await http::async_read(*stream, buffer, parser, kAsTuple);
    x.any_response_bytes = n > 0 || parser.got_some();
    x.ec = rec ? rec : beast::error_code{};
    if (rec && !x.any_response_bytes && wec) x.ec = wec;
    if (!rec) x.response = parser.release();
    co_return x;
  }

  HttpResult request(http::verb method, std::string_view target, std::string body,
                     const Headers& headers) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, where());
    req.set(http::field::user_agent, "starlog-test");
    for (const auto& [name, value] : defaults) req.set(name, value);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() && req.find(http::field::content_type) == req.end()) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(true);

    const std::string what = std::string(http::to_string(method)) + " " + std::string(target);
    for (int attempt = 0;; ++attempt) {
      const bool reused = stream.has_value();
      if (!reused) connect();
      Exchange x = run(exchange_op(nullptr, &req, method == http::verb::head));
      if (!x.ec) {
        if (!x.response.keep_alive()) drop();
        return to_result(x.response);
      }
      drop();
      const bool stale = x.ec == http::error::end_of_stream ||
                         x.ec == asio::error::connection_reset ||
                         x.ec == asio::error::broken_pipe || x.ec == asio::error::eof;
      if (reused && attempt == 0 && !x.any_response_bytes && stale) continue;
      throw std::runtime_error("HttpClient: " + what + " to " + where() +
                               " failed: " + x.ec.message());
    }
  }

  HttpResult send_raw(std::string_view bytes) {
    connect();
    const std::string raw(bytes);
    Exchange x = run(exchange_op(&raw, nullptr, false));
    drop();
    if (!x.ec) return to_result(x.response);
    if (!x.any_response_bytes) return HttpResult{};
    throw std::runtime_error("HttpClient: raw request to " + where() +
                             " got a broken response: " + x.ec.message());
  }
};

HttpClient::HttpClient(std::string host, unsigned short port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(http::verb method, std::string_view target, std::string body,
                               const Headers& headers) {
  return impl_->request(method, target, std::move(body), headers);
}
void HttpClient::set_default_headers(Headers headers) { impl_->defaults = std::move(headers); }

HttpResult HttpClient::get(std::string_view target, const Headers& headers) {
  return request(http::verb::get, target, "", headers);
}
HttpResult HttpClient::head(std::string_view target, const Headers& headers) {
  return request(http::verb::head, target, "", headers);
}
HttpResult HttpClient::post(std::string_view target, std::string body, const Headers& headers) {
  return request(http::verb::post, target, std::move(body), headers);
}
HttpResult HttpClient::post_json(std::string_view target, const Json& body,
                                 const Headers& headers) {
  return request(http::verb::post, target, body.dump(), headers);
}
HttpResult HttpClient::send_raw(std::string_view bytes) { return impl_->send_raw(bytes); }
void HttpClient::close() { impl_->drop(); }
int HttpClient::connections_opened() const { return impl_->opened; }

}  // namespace starlog::test
