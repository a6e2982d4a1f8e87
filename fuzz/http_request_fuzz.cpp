// libFuzzer target: the HTTP request path. Bytes are parsed by Beast's
// request parser with the server's limits, then dispatched by the Router over
// every route, backed by an in-memory event store and projection store, fresh
// for each input. Any input must give a response with a valid status (never a
// crash, a hang, a sanitizer report or a 5xx), and nothing may escape
// Router::dispatch.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/router.h"
#include "api/routes.h"
#include "projections/projector.h"
#include "projections/timeline_projection.h"
#include "projections/timeline_reader.h"
#include "store/memory_event_store.h"
#include "store/memory_projection_store.h"

namespace {

using namespace starlog;
namespace http = boost::beast::http;

// Feeds `bytes` to one parser; several requests may follow one another.
void serve_all(std::string_view bytes) {
  domain::FakeClock clock(domain::Millis(std::chrono::milliseconds(1700000000000)));
  store::MemoryEventStore log(clock);
  store::MemoryProjectionStore rows;
  projections::TimelineProjection projection;
  projections::Projector timeline(log, rows, projection);
  projections::TimelineReader reader(rows, std::string(projections::TimelineProjection::kName));
  api::Services services{log, timeline, reader};
  api::Router router;
  api::add_routes(router, services);
  // Every request runs as an admin, so the fuzzer reaches every handler
  // (the bearer check itself is api/auth_test.cpp's business).
  router.set_guard([](const api::Request&, domain::Permission,
                      api::RouteParams& params) -> std::optional<api::Response> {
    params.principal = domain::Principal{"fuzzer", domain::Role::admin};
    return std::nullopt;
  });

  for (int requests = 0; requests < 8 && !bytes.empty(); ++requests) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(1 << 20);
    parser.header_limit(16 * 1024);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec || !parser.is_done()) {
      // An incomplete message at the end of input: tell the parser so.
      if (!ec && !parser.is_done()) parser.put_eof(ec);
      if (ec || !parser.is_done()) return;
    }
    bytes.remove_prefix(std::min(used, bytes.size()));
    const api::Request req = parser.release();
    const api::Response res = router.dispatch(req);
    const unsigned status = res.result_int();
    if (status < 100 || status > 599) std::abort();
    // A 5xx to input alone is a bug (the fake store never fails).
    if (status >= 500) std::abort();
    if (used == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  serve_all(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
