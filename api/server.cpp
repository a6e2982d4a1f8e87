#include "api/server.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/problem.h"

namespace starlog::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// After an error response we stop reading, but the client may still be
// sending the rest of its body. Closing a socket with unread input makes the
// kernel send RST, which can destroy our response before the client reads
// it; so the write side is shut and the input drained, within these bounds.
constexpr std::chrono::seconds kLingerTime{5};
constexpr std::size_t kLingerBytes = 16u << 20;

// The busy answer reads at most a header, and not for long.
constexpr std::chrono::seconds kRejectReadTimeout{5};

// How often a connection whose last response is still unread is looked at.
constexpr std::chrono::milliseconds kUnreadPoll{100};
// A response this large may fill the kernel's buffers and block its write,
// so it is watched from the start of the write (smaller ones only once it
// ended with bytes still unread).
constexpr std::size_t kWatchWriteBytes = 64 * 1024;

// Bytes written to `socket` that its peer has not acknowledged yet (they sit
// in the kernel's send queue); 0 when that cannot be told.
std::size_t unread_bytes(tcp::socket& socket) {
  int queued = 0;
  if (::ioctl(socket.native_handle(), SIOCOUTQ, &queued) != 0 || queued < 0) return 0;
  return static_cast<std::size_t>(queued);
}

// A forced close after shutdown_timeout normally ends every session at once;
// this bounds the wait for any that does not (e.g. a stream handler awaiting
// something that ignores cancellation).
constexpr std::chrono::seconds kForcedStopGrace{1};

void log_error(std::string_view what, std::string_view detail) {
  std::cerr << "starlog: " << what << ": " << detail << '\n';
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_method).category();
}

constexpr std::string_view kRequestIdField = "X-Request-Id";

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// 16 hex digits: a random per-process prefix and a counter, unique enough to
// find one request in the logs of a fleet.
std::string make_request_id() {
  static const std::uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<std::uint32_t>(rd());
  }();
  static std::atomic<std::uint32_t> counter{0};
  const std::uint64_t v = (std::uint64_t{prefix} << 32) | counter.fetch_add(1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) out[static_cast<std::size_t>(15 - i)] = kHex[(v >> (4 * i)) & 0xf];
  return out;
}

// The refusal for a header the parser accepted but we do not: too many
// fields, an over-long target, or framing two parties could read differently
// (request smuggling). nullopt when the header is fine.
template <class Header>
std::optional<Response> refuse_header(const Header& h, const ServerOptions& o) {
  std::size_t fields = 0, content_lengths = 0, transfer_encodings = 0;
  bool chunked_only = true;
  for (const auto& f : h) {
    ++fields;
    if (f.name() == http::field::content_length) {
      ++content_lengths;
      if (f.value().find(',') != beast::string_view::npos) ++content_lengths;
    } else if (f.name() == http::field::transfer_encoding) {
      ++transfer_encodings;
      if (!beast::iequals(f.value(), "chunked")) chunked_only = false;
    }
  }
  const unsigned version = h.version();
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + std::string at -O2.
  auto sentence = [](std::string_view a, std::size_t n, std::string_view b) {
    std::string out(a);
    out += std::to_string(n);
    out += b;
    return out;
  };
  if (fields > o.max_header_fields) {
    return problem(ProblemType::too_many_headers,
                   sentence("The request has more than ", o.max_header_fields, " header fields."),
                   version, false);
  }
  if (h.target().size() > o.max_target_length) {
    return problem(ProblemType::uri_too_long,
                   sentence("The request target exceeds ", o.max_target_length, " bytes."), version,
                   false);
  }
  std::string framing;
  if (content_lengths > 1)
    framing = "Content-Length is given more than once";
  else if (transfer_encodings > 0 && content_lengths > 0)
    framing = "Content-Length and Transfer-Encoding are both given";
  else if (transfer_encodings > 1 || !chunked_only)
    framing = "the only Transfer-Encoding accepted is one \"chunked\"";
  if (!framing.empty()) {
    std::string detail = "Ambiguous message framing: ";
    detail += framing;
    detail += '.';
    return problem(ProblemType::malformed_request, std::move(detail), version, false);
  }
  return std::nullopt;
}

}  // namespace

class Server::Impl {
 public:
  // Session state shared between the session coroutine and stop(). Everything
  // except `counted` is touched only on the connection's strand.
  struct Connection {
    explicit Connection(tcp::socket socket, bool counted_)
        : stream(std::move(socket)), counted(counted_) {}
    beast::tcp_stream stream;
    asio::cancellation_signal cancel;
    std::string remote;      // peer address, for the observer
    bool idle = false;       // waiting for the next request's header
    bool streaming = false;  // a StreamHandler owns the connection
    bool watching = false;   // watch_unread runs for it
    bool writing = false;    // a response is being written
    const bool counted;      // holds one of max_connections (false: being turned away)
  };

  Impl(ServerOptions options, Handler handler)
      : opts_(std::move(options)),
        handler_(std::move(handler)),
        ioc_(std::max(1, opts_.threads)),
        strand_(asio::make_strand(ioc_)),
        acceptor_(strand_),
        signals_(strand_),
        shutdown_timer_(strand_) {
    opts_.threads = std::max(1, opts_.threads);
    if (opts_.handler_threads > 0)
      workers_.emplace(static_cast<std::size_t>(opts_.handler_threads));
  }

  ServerOptions opts_;
  Handler handler_;
  StreamRoute stream_route_;
  std::function<bool(const Request&)> inline_;  // Server::set_inline_predicate
  ExchangeObserver observer_;
  std::atomic<std::size_t> streams_{0};

  // Declared before every I/O object so it is destroyed after them; frames of
  // sessions still pending when a Server is destroyed without having run to
  // the end are destroyed inside its destructor.
  asio::io_context ioc_;
  // The Handler's pool (ServerOptions::handler_threads); after ioc_, so it
  // is joined first.
  std::optional<asio::thread_pool> workers_;
  // Serialises the acceptor, the signal set and the shutdown timer.
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer shutdown_timer_;

  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  unsigned short port_ = 0;

  std::mutex mu_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;  // guarded by mu_
  std::size_t serving_ = 0;  // guarded by mu_: connections with counted == true

  Status start();
  void stop();
  void stop_on_signals();
  void run();

 private:
  awaitable<void> accept_loop();
  void spawn(tcp::socket socket);
  void forget(const std::shared_ptr<Connection>& conn);
  void begin_shutdown();
  void force_close_all();

  awaitable<void> session(std::shared_ptr<Connection> conn);
  awaitable<void> turn_away(std::shared_ptr<Connection> conn);
  Response respond(const Request& req);
  // respond() on the handler pool, when there is one.
  awaitable<Response> handle(const Request& req);
  void finalize(Response& res, const Request& req) const;
  awaitable<void> send_and_linger(Connection& conn, Response res, const Exchange& ex);
  void observe(const Exchange& ex) const;
  awaitable<void> linger_close(Connection& conn);
  static void close(Connection& conn);
  void watch_unread(const std::shared_ptr<Connection>& conn,
                    std::chrono::steady_clock::time_point deadline);
  awaitable<void> unread_watch(std::shared_ptr<Connection> conn,
                               std::chrono::steady_clock::time_point deadline);
};

// ---- lifecycle ------------------------------------------------------------

Status Server::Impl::start() {
  const std::string where = opts_.host + ":" + std::to_string(opts_.port);
  if (started_.exchange(true)) return Status::io_error("server already started on " + where);
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  const auto results =
      resolver.resolve(opts_.host, std::to_string(opts_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::io_error("cannot resolve listen address " + where + ": " +
                            (ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto fail = [&](std::string_view step) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Status::io_error("cannot listen on " + where + " (" + std::string(step) +
                            "): " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail("open");
  // Lets a restarted server bind while old connections sit in TIME_WAIT.
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("option");
  if (acceptor_.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");

  asio::co_spawn(strand_, accept_loop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_error("accept loop ended", ex.what());
    }
  });
  return Status::ok();
}

void Server::Impl::stop_on_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const beast::error_code& ec, int) {
    if (ec) return;
    stop();
  });
}

void Server::Impl::run() {
  auto loop = [this] {
    // A handler that throws out of ioc_.run() must not take the thread (and
    // with it the process) down; log it and keep serving.
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log_error("unexpected exception in io loop", e.what());
      }
    }
  };
  std::vector<std::thread> extra;
  for (int i = 1; i < opts_.threads; ++i) extra.emplace_back(loop);
  loop();
  for (std::thread& t : extra) t.join();
}

void Server::Impl::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(strand_, [this] { begin_shutdown(); });
}

void Server::Impl::begin_shutdown() {
  beast::error_code ec;
  acceptor_.close(ec);
  signals_.cancel(ec);
  signals_.clear(ec);  // a second signal now gets the default action

  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(mu_);
    conns.assign(connections_.begin(), connections_.end());
  }
  if (conns.empty()) return;
  for (auto& conn : conns) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->streaming) {
        conn->cancel.emit(asio::cancellation_type::terminal);
        close(*conn);
      } else if (conn->idle) {
        conn->stream.cancel();
      }
    });
  }
  shutdown_timer_.expires_after(opts_.shutdown_timeout);
  shutdown_timer_.async_wait([this](const beast::error_code& wait_ec) {
    if (!wait_ec) force_close_all();
  });
}

void Server::Impl::force_close_all() {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(mu_);
    conns.assign(connections_.begin(), connections_.end());
  }
  for (auto& conn : conns) {
    asio::post(conn->stream.get_executor(), [conn] {
      conn->cancel.emit(asio::cancellation_type::terminal);
      close(*conn);
    });
  }
  shutdown_timer_.expires_after(kForcedStopGrace);
  shutdown_timer_.async_wait([this](const beast::error_code& wait_ec) {
    if (!wait_ec) ioc_.stop();
  });
}

// ---- accepting ------------------------------------------------------------

awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    // Each connection gets its own strand: its session never runs on two
    // threads at once, while different connections run in parallel.
    asio::any_io_executor conn_strand = asio::make_strand(ioc_);
    auto [ec, socket] = co_await acceptor_.async_accept(conn_strand, kAsTuple);
    if (stopping_ || !acceptor_.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log_error("accept", ec.message());
      // Errors like EMFILE persist for a while; back off instead of spinning.
      asio::steady_timer backoff(strand_, std::chrono::milliseconds(100));
      co_await backoff.async_wait(kAsTuple);
      continue;
    }
    spawn(std::move(socket));
  }
}

void Server::Impl::spawn(tcp::socket socket) {
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // the socket closes as it goes out of scope
    const bool counted = serving_ < opts_.max_connections;
    // Busy answers are capped too, or a flood would grow them without bound.
    if (!counted && connections_.size() - serving_ >= opts_.max_connections) return;
    beast::error_code ep_ec;
    const auto peer = socket.remote_endpoint(ep_ec);
    conn = std::make_shared<Connection>(std::move(socket), counted);
    if (!ep_ec) conn->remote = peer.address().to_string();
    if (counted) ++serving_;
    connections_.insert(conn);
  }
  auto body = conn->counted ? session(conn) : turn_away(conn);
  asio::co_spawn(
      conn->stream.get_executor(), std::move(body),
      asio::bind_cancellation_slot(conn->cancel.slot(), [this, conn](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const boost::system::system_error& se) {
            // Cancellation by stop() surfaces as operation_aborted.
            if (se.code() != asio::error::operation_aborted) {
              log_error("session", se.what());
            }
          } catch (const std::exception& ex) {
            log_error("session", ex.what());
          } catch (...) {
            log_error("session", "unknown exception");
          }
          close(*conn);
        }
        forget(conn);
      }));
}

void Server::Impl::forget(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu_);
  if (connections_.erase(conn) == 0) return;
  if (conn->counted) --serving_;
  if (stopping_ && connections_.empty()) {
    // The last one is gone: nothing left to wait for, let run() return.
    asio::post(strand_, [this] { shutdown_timer_.cancel(); });
  }
}

void Server::Impl::watch_unread(const std::shared_ptr<Connection>& conn,
                                std::chrono::steady_clock::time_point deadline) {
  // One watch per connection: the oldest unread response's deadline stands,
  // so pipelining more requests does not buy a slow reader more time.
  if (conn->watching || (!conn->writing && unread_bytes(conn->stream.socket()) == 0)) return;
  conn->watching = true;
  asio::co_spawn(conn->stream.get_executor(), unread_watch(conn, deadline), asio::detached);
}

// On the connection's strand, beside its session: closes the connection when
// bytes of a response are still unread at `deadline`; ends once they are all
// read, the connection is closed, or the server stops.
awaitable<void> Server::Impl::unread_watch(std::shared_ptr<Connection> conn,
                                           std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(conn->stream.get_executor());
  while (!stopping_ && conn->stream.socket().is_open() &&
         (conn->writing || unread_bytes(conn->stream.socket()) > 0)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      // A reset: the bytes queued for this reader are dropped at once
      // rather than trickled out by the kernel. The session's pending read
      // or write then ends with an error.
      beast::error_code ec;
      conn->stream.socket().set_option(tcp::socket::linger(true, 0), ec);
      close(*conn);
      break;
    }
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(deadline - now, kUnreadPoll));
    auto [ec] = co_await timer.async_wait(kAsTuple);
    if (ec) break;
  }
  conn->watching = false;
}

void Server::Impl::close(Connection& conn) {
  beast::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  conn.stream.socket().close(ec);
}

// ---- sessions -------------------------------------------------------------

awaitable<void> Server::Impl::session(std::shared_ptr<Connection> conn) {
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (stopping_) break;
    http::request_parser<http::string_body> parser;
    parser.body_limit(opts_.body_limit);
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(opts_.header_limit, UINT32_MAX)));

    stream.expires_after(first ? opts_.read_timeout : opts_.idle_timeout);
    conn->idle = true;
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kAsTuple);
    conn->idle = false;
    // The client closed between requests: the normal end of keep-alive.
    if (ec == http::error::end_of_stream) break;
    const auto started = std::chrono::steady_clock::now();

    // What the observer hears about this request; filled in as we learn it.
    std::string request_id;
    std::string method, target;
    if (parser.is_header_done()) {
      const auto& h = parser.get();
      const auto sent = h[kRequestIdField];
      request_id = is_sane_request_id(sent) ? std::string(sent) : make_request_id();
      method = std::string(h.method_string());
      target = std::string(h.target());
    } else {
      request_id = make_request_id();
    }
    Exchange ex;
    ex.request_id = request_id;
    ex.method = method;
    ex.target = target;
    ex.remote = conn->remote;
    // Not a coroutine itself: the awaitable it returns refers to `ex` and
    // `conn`, which live in this frame.
    auto refuse = [&](Response res) {
      res.set(kRequestIdField, request_id);
      ex.duration = std::chrono::steady_clock::now() - started;
      return send_and_linger(*conn, std::move(res), ex);
    };

    if (!ec) {
      if (auto refusal = refuse_header(parser.get(), opts_)) {
        co_await refuse(std::move(*refusal));
        co_return;
      }
    }

    if (!ec && !parser.is_done()) {
      const auto& header = parser.get();
      if (header.version() >= 11 && beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        stream.expires_after(opts_.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, go_on, kAsTuple);
        if (wec) break;
      }
      stream.expires_after(opts_.read_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kAsTuple);
    }

    if (ec) {
      if (!is_http_error(ec) || ec == http::error::end_of_stream ||
          ec == http::error::partial_message) {
        break;  // transport failure, timeout, cancellation or a vanished client
      }
      const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
      if (ec == http::error::body_limit) {
        co_await refuse(
            problem(ProblemType::payload_too_large,
                    "The request body exceeds " + std::to_string(opts_.body_limit) + " bytes.",
                    version, false));
      } else if (ec == http::error::header_limit) {
        co_await refuse(
            problem(ProblemType::header_too_large,
                    "The request header exceeds " + std::to_string(opts_.header_limit) + " bytes.",
                    version, false));
      } else {
        co_await refuse(problem(ProblemType::malformed_request,
                                "The request is not valid HTTP/1.1: " + ec.message() + ".", version,
                                false));
      }
      co_return;
    }

    Request req = parser.release();
    req.set(kRequestIdField, request_id);
    ex.request = &req;
    ex.bytes_in = req.body().size();

    std::optional<StreamHandler> stream_handler;
    if (stream_route_) {
      try {
        stream_handler = stream_route_(req);
      } catch (const std::exception& e) {
        log_error("stream route", e.what());
      }
    }
    if (stream_handler) {
      conn->streaming = true;
      // stop() may have passed this connection by while it was busy reading.
      if (stopping_) break;
      stream.expires_never();
      ++streams_;
      struct Release {
        std::atomic<std::size_t>& n;
        ~Release() { --n; }
      } release{streams_};
      ex.streamed = true;
      ex.status = 200;
      co_await (*stream_handler)(stream, req);
      ex.duration = std::chrono::steady_clock::now() - started;
      observe(ex);
      break;
    }

    Response res = co_await handle(req);
    res.set(kRequestIdField, request_id);
    // A response must be written and read by the client within
    // read_timeout: the write ends once the kernel holds the bytes, which a
    // slow reader may then take minutes to read while the connection waits
    // for its next request. unread_watch cuts such a reader off (with a
    // reset, so the kernel drops what it still holds for it); the stream's
    // own deadline, a little later, is the backstop.
    const auto write_deadline = std::chrono::steady_clock::now() + opts_.read_timeout;
    conn->writing = true;
    if (res.body().size() >= kWatchWriteBytes) watch_unread(conn, write_deadline);
    stream.expires_after(opts_.read_timeout + kUnreadPoll * 10);
    auto [wec, wn] = co_await http::async_write(stream, res, kAsTuple);
    conn->writing = false;
    if (!wec && res.keep_alive()) watch_unread(conn, write_deadline);
    ex.status = wec ? 0 : res.result_int();
    ex.bytes_out = res.body().size();
    ex.duration = std::chrono::steady_clock::now() - started;
    observe(ex);
    if (wec || !res.keep_alive()) break;
    first = false;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

void Server::Impl::observe(const Exchange& ex) const {
  if (!observer_) return;
  try {
    observer_(ex);
  } catch (const std::exception& e) {
    log_error("observer", e.what());
  } catch (...) {
    log_error("observer", "unknown exception");
  }
}

awaitable<void> Server::Impl::turn_away(std::shared_ptr<Connection> conn) {
  // Read the header first so the 503 is an answer to a request the client
  // is waiting on, not bytes it may never read.
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(opts_.header_limit, UINT32_MAX)));
  conn->stream.expires_after(std::min(opts_.read_timeout, kRejectReadTimeout));
  auto [ec, n] = co_await http::async_read_header(conn->stream, buffer, parser, kAsTuple);
  if (ec) {
    close(*conn);
    co_return;
  }
  Response res = problem(ProblemType::server_busy, "Too many open connections; retry shortly.",
                         parser.get().version(), false);
  res.set(http::field::retry_after, "1");
  const std::string request_id = make_request_id();
  const std::string method(parser.get().method_string()), target(parser.get().target());
  res.set(kRequestIdField, request_id);
  Exchange ex;
  ex.request_id = request_id;
  ex.method = method;
  ex.target = target;
  ex.remote = conn->remote;
  co_await send_and_linger(*conn, std::move(res), ex);
}

awaitable<Response> Server::Impl::handle(const Request& req) {
  if (!workers_ || (inline_ && inline_(req))) co_return respond(req);
  // `req` lives in the suspended session's frame until this resumes.
  co_return co_await asio::co_spawn(
      workers_->get_executor(), [this, &req]() -> awaitable<Response> { co_return respond(req); },
      asio::use_awaitable);
}

Response Server::Impl::respond(const Request& req) {
  Response res;
  try {
    res = handler_(req);
    finalize(res, req);
    return res;
  } catch (const std::exception& e) {
    log_error("handler failed on " + std::string(req.method_string()) + ' ' +
                  std::string(req.target().substr(0, req.target().find('?'))),
              e.what());
  } catch (...) {
    log_error("handler failed on " + std::string(req.method_string()), "unknown exception");
  }
  res = problem(ProblemType::internal_error,
                "The server failed to answer this request; the error was logged.", req);
  finalize(res, req);
  return res;
}

void Server::Impl::finalize(Response& res, const Request& req) const {
  // Judge the handler's own keep-alive wish in its own HTTP version, before
  // answering in the request's.
  const bool handler_keeps = res.keep_alive();
  res.version(req.version());
  res.set(http::field::server, kServerName);
  if (res.result() == http::status::no_content || res.result() == http::status::not_modified) {
    // Bodiless by definition; RFC 9110 §8.6 forbids the Content-Length: 0
    // that prepare_payload() would add (a 304's length is its 200's).
    res.body().clear();
    res.erase(http::field::content_length);
  } else if (req.method() == http::verb::head) {
    // The router may have dropped the body already and kept GET's length.
    if (!res.body().empty() || !res.has_content_length()) res.prepare_payload();
    res.body().clear();
  } else {
    res.prepare_payload();
  }
  res.keep_alive(req.keep_alive() && handler_keeps && !stopping_);
}

awaitable<void> Server::Impl::send_and_linger(Connection& conn, Response res, const Exchange& ex) {
  res.set(http::field::server, kServerName);
  res.keep_alive(false);
  res.prepare_payload();
  conn.stream.expires_after(opts_.read_timeout);
  auto [ec, n] = co_await http::async_write(conn.stream, res, kAsTuple);
  Exchange done = ex;
  done.status = ec ? 0 : res.result_int();
  done.bytes_out = res.body().size();
  observe(done);
  if (ec) {
    close(conn);
    co_return;
  }
  co_await linger_close(conn);
}

awaitable<void> Server::Impl::linger_close(Connection& conn) {
  beast::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  const auto deadline = std::chrono::steady_clock::now() + kLingerTime;
  std::array<char, 16 * 1024> sink;
  std::size_t drained = 0;
  while (!ec && drained < kLingerBytes) {
    conn.stream.expires_at(deadline);
    std::size_t n = 0;
    std::tie(ec, n) = co_await conn.stream.async_read_some(asio::buffer(sink), kAsTuple);
    drained += n;
  }
  close(conn);
}

// ---- Server ---------------------------------------------------------------

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

void Server::set_stream_route(StreamRoute route) { impl_->stream_route_ = std::move(route); }
void Server::set_inline_predicate(std::function<bool(const Request&)> cheap) {
  impl_->inline_ = std::move(cheap);
}

void Server::set_observer(ExchangeObserver observer) { impl_->observer_ = std::move(observer); }

ServerStats Server::stats() const {
  ServerStats st;
  {
    std::lock_guard lock(impl_->mu_);
    st.connections = impl_->serving_;
  }
  st.streams = impl_->streams_.load();
  return st;
}

Status Server::start() { return impl_->start(); }

unsigned short Server::port() const { return impl_->port_; }

void Server::stop_on_signals() { impl_->stop_on_signals(); }

void Server::run() { impl_->run(); }

void Server::stop() { impl_->stop(); }

}  // namespace starlog::api
