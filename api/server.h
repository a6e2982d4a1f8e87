// Server: the HTTP/1.1 listener and its sessions (Boost.Beast over Asio,
// C++20 coroutines throughout). It only moves bytes: every request goes to
// one Handler (normally Router::dispatch), which knows no socket.
//
// Per connection: one strand; a fresh request_parser per request with
// body_limit and header_limit; a deadline before every read and write;
// keep-alive; requests answered strictly in order (no pipelining queue).
// Answers the server gives on its own, all problem+json:
//   413 payload-too-large   body over body_limit (then close)
//   431 header-too-large    header over header_limit (then close)
//   431 too-many-headers    more than max_header_fields fields (then close)
//   414 uri-too-long        request target over max_target_length (then close)
//   400 malformed-request   not valid HTTP/1.1 framing, including ambiguous
//                           framing: Content-Length with Transfer-Encoding,
//                           Content-Length repeated, a Transfer-Encoding
//                           other than "chunked" (then close)
//   503 server-busy         already max_connections open (then close)
// Every response carries X-Request-Id: the client's own when it sent a sane
// one (1-64 of [A-Za-z0-9._-]), else one the server makes; the Request given
// to handlers carries the same value in its X-Request-Id field.
// `Expect: 100-continue` is honoured. Every response gets `Server: starlog`
// and a correct Content-Length (none on 204 and 304); HEAD responses keep
// GET's Content-Length and carry no body.
//
// Lifecycle: construct -> [set_stream_route] -> start() -> [stop_on_signals]
// -> run() ... stop() -> run() returns. A Server runs once; it is not
// restartable. REQUIRES: the Server outlives run().
//
// Threads: run() blocks and runs the io_context on `threads` threads (the
// caller's included), which read and write every connection. The Handler is
// called on `handler_threads` threads of a pool of its own (0: on the I/O
// threads), concurrently: a handler that blocks (an append waiting for its
// group's fsync, a read waiting for the fold, an audit) then never holds up
// I/O, while the few I/O threads keep cheap requests free of the scheduling
// cost of many runnable threads. stop() may be
// called from any thread, any number of times, before or during run().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/http.h"
#include "domain/status.h"

namespace starlog::api {

struct ServerOptions {
  std::string host = "127.0.0.1";  // an address or a resolvable name
  unsigned short port = 8080;      // 0: an ephemeral port, see Server::port()
  int threads = 2;                 // I/O threads; values below 1 mean 1
  int handler_threads = 0;         // the Handler's pool; 0: on the I/O threads
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 * 1024;
  // Reading one request; writing one response, until the client has read
  // all of it (a response still unread this long after its write began
  // closes the connection: slow readers cannot hold one for ever).
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds idle_timeout{60};  // waiting for the next request on keep-alive
  std::size_t max_connections = 1024;
  std::size_t max_header_fields = 100;
  std::size_t max_target_length = 8 * 1024;
  // How long stop() lets in-flight requests finish before closing every
  // connection.
  std::chrono::seconds shutdown_timeout{10};
};

// A long-lived response (Server-Sent Events). It owns the connection: it
// writes the response header and then as much as it likes, and the
// connection is closed when it returns or throws. It runs on the
// connection's strand; no deadline is set on the stream for it. On stop() its
// coroutine is cancelled (terminal cancellation, then the socket is closed),
// so it should await only cancellable operations.
using StreamHandler =
    std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream&, const Request&)>;
// Consulted for every complete request before the normal Handler: a
// StreamHandler takes the request over, nullopt passes it on. Must be
// thread-safe.
using StreamRoute = std::function<std::optional<StreamHandler>(const Request&)>;

// What happened to one request, reported once its response was written (or
// failed to be). The views are valid only during the observer call.
struct Exchange {
  std::string_view request_id;
  std::string_view method;           // as sent; "" when the request line was unreadable
  std::string_view target;           // as sent, query included; "" when unreadable
  const Request* request = nullptr;  // the complete request; null for a server refusal
  unsigned status = 0;               // 0: the connection failed before an answer
  std::size_t bytes_in = 0;          // request body bytes
  std::size_t bytes_out = 0;         // response body bytes
  std::chrono::steady_clock::duration duration{};  // header received -> response written
  std::string_view remote;                         // peer address
  bool streamed = false;  // a StreamHandler served it (reported when it ends)
};
// Called on the connection's strand, concurrently for different connections:
// must be thread-safe and must not throw or block for long.
using ExchangeObserver = std::function<void(const Exchange&)>;

struct ServerStats {
  std::size_t connections = 0;  // open and admitted
  std::size_t streams = 0;      // of those, held by a StreamHandler
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // REQUIRES: before start().
  void set_stream_route(StreamRoute route);
  // With a handler pool: requests for which `cheap` returns true are
  // answered on the I/O thread that read them, without the hop to the pool
  // (reads that never block, e.g. served from a cache). Must be thread-safe
  // and fast. REQUIRES: before start().
  void set_inline_predicate(std::function<bool(const Request&)> cheap);
  // REQUIRES: before start().
  void set_observer(ExchangeObserver observer);

  // A snapshot; thread-safe.
  ServerStats stats() const;

  // Resolves, binds and listens. On failure (address in use, bad host,
  // called twice) returns an io_error Status naming host and port, and the
  // Server must not be run.
  Status start();

  // The bound port (the ephemeral one when options.port was 0). REQUIRES:
  // start() succeeded.
  unsigned short port() const;

  // Makes SIGINT and SIGTERM call stop(). After the first signal the default
  // disposition is restored, so a second one ends the process at once.
  // REQUIRES: after start(), before run().
  void stop_on_signals();

  // Serves until stopped; returns when every connection is closed.
  void run();

  // Graceful and bounded: stops accepting, closes idle keep-alive
  // connections and stream responses, lets in-flight requests finish (their
  // responses say Connection: close), and after shutdown_timeout closes what
  // is left. Thread-safe, idempotent, never blocks.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace starlog::api
