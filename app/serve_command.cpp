#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "api/audit_routes.h"
#include "api/auth.h"
#include "api/cors.h"
#include "api/frontend.h"
#include "api/live_feed.h"
#include "api/openapi.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/server.h"
#include "api/web_app.h"
#include "api/whoami.h"
#include "app/args.h"
#include "app/commands.h"
#include "app/observability.h"
#include "app/serve_limits.h"
#include "domain/text.h"
#include "projections/follower.h"
#include "projections/time_travel.h"

namespace starlog::app {
namespace {

// Memory for the celebrities' histories that as-of reads are rendered from
// (projections/time_travel.h); past it the least recently read go.
constexpr std::size_t kTimeTravelBudget = std::size_t{32} << 20;

// Loads every *.ndjson file of `dir`, in name order, into an empty store.
Status load_demo(Runtime& rt, const std::string& dir) {
  if (rt.log->head() > 0) return Status::ok();
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".ndjson") files.push_back(entry.path());
  if (ec) return Status::io_error("cannot read demo directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    auto summary = import_ndjson(rt, in, f.string(), false, 0, "demo");
    if (summary.rejected > 0)
      return Status::invalid("demo file " + f.string() + " has rejected lines");
    std::fprintf(stderr, "demo: %s: %lld events\n", f.filename().c_str(),
                 static_cast<long long>(summary.appended));
  }
  return Status::ok();
}

bool parse_listen(const std::string& listen, api::ServerOptions& o) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  o.host = listen.substr(0, colon);
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']')
    o.host = o.host.substr(1, o.host.size() - 2);
  const auto port = domain::parse_int64(std::string_view(listen).substr(colon + 1), 0, 65535);
  if (!port) return false;
  o.port = static_cast<unsigned short>(*port);
  return !o.host.empty();
}

// Where `make` puts the web app: the `web` folder beside this binary.
std::filesystem::path default_web_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return exe.parent_path() / "web";
}

}  // namespace

int serve_command(int argc, char** argv) {
  Args args;
  OptionSpec spec{{"db", "listen", "threads", "demo", "rebuild-max-rate", "cors-origin",
                   "live-max-lag", "web-root"},
                  {"private", "help", "list-routes"},
                  {"cors-origin"}};
  spec.with_value.merge(serve_limit_flags());
  if (auto err = parse_args(argc, argv, 0, spec, args)) {
    std::fprintf(stderr, "starlog serve: %s (see --help)\n", err->c_str());
    return 2;
  }
  if (args.has("help")) {
    std::printf(
        "usage: starlog serve [--db FILE|URI] [--listen HOST:PORT] [--threads N] [--private]\n"
        "                     [--demo DIR]\n\n"
        "Serves the HTTP API (see /openapi.json) until SIGINT or SIGTERM.\n"
        "Appends need a bearer token (see starlog token --help).\n"
        "  --db FILE|URI      the store: a SQLite file (default %s), or a\n"
        "                     postgresql:// URI shared by any number of nodes\n"
        "  --listen HOST:PORT address to listen on (default 127.0.0.1:8080)\n"
        "  --threads N        threads running request handlers (default: 16 per core,\n"
        "                     at least 32: an append waits for its fsync on its\n"
        "                     thread, and waiting appends share one group commit);\n"
        "                     sockets are served by one I/O thread per core\n"
        "  --private          reads need a token too (default: anonymous reads)\n"
        "  --demo DIR         when the store is empty, import DIR/*.ndjson first\n"
        "  --rebuild-max-rate N  events per second a projection rebuild may fold\n"
        "                     (default: unlimited)\n"
        "  --cors-origin ORIGIN  let browser pages from ORIGIN (e.g. http://localhost:3000,\n"
        "                     or * for any) call the API; repeatable\n"
        "  --live-max-lag N   drop a live-feed client that stopped reading once it is N\n"
        "                     events behind (default 1000); it reconnects and resumes\n"
        "  --web-root DIR     the web app's built files, served at / (default: the web\n"
        "                     folder beside this binary, where `make` puts them)\n"
        "  --list-routes      print every METHOD /path the server routes, then exit\n"
        "Limits (see docs/operations.md):\n%s",
        kDefaultDb, serve_limits_help().c_str());
    return 0;
  }
  if (!args.positional.empty()) {
    std::fprintf(stderr, "starlog serve: unexpected argument %s\n", args.positional[0].c_str());
    return 2;
  }
  ServeLimits limits;
  if (auto err = parse_serve_limits(args, limits)) {
    std::fprintf(stderr, "starlog serve: %s\n", err->c_str());
    return 2;
  }
  api::ServerOptions& options = limits.server;
  if (!parse_listen(args.value_or("listen", "127.0.0.1:8080"), options)) {
    std::fprintf(stderr, "starlog serve: --listen must be HOST:PORT\n");
    return 2;
  }
  // One I/O thread per core. Handlers block (an append waits for its
  // group's fsync), so they run on a pool of many more threads: concurrent
  // appends then wait together and share commits.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.threads = static_cast<int>(cores);
  options.handler_threads = static_cast<int>(std::max(32u, 16 * cores));
  std::int64_t handler_threads = options.handler_threads;
  projections::Rebuilder::Options rebuild_options;
  api::LiveFeedOptions live_options;
  std::int64_t max_lag = live_options.max_lag;
  for (auto err :
       {read_int(args, "threads", 1, 256, handler_threads),
        read_positive_number(args, "rebuild-max-rate", rebuild_options.max_rate),
        read_int(args, "live-max-lag", 1, std::numeric_limits<std::int64_t>::max(), max_lag)}) {
    if (!err) continue;
    std::fprintf(stderr, "starlog serve: %s\n", err->c_str());
    return 2;
  }
  options.handler_threads = static_cast<int>(handler_threads);
  live_options.max_lag = max_lag;
  std::vector<std::string> cors_origins;
  if (auto it = args.values.find("cors-origin"); it != args.values.end()) {
    for (const auto& o : it->second) {
      auto normalized = api::Cors::normalize_origin(o);
      if (!normalized) {
        std::fprintf(stderr,
                     "starlog serve: --cors-origin must be * or scheme://host[:port], not %s\n",
                     o.c_str());
        return 2;
      }
      cors_origins.push_back(*normalized);
    }
  }
  const std::string db_arg = args.value_or("db", kDefaultDb);
  const std::string db_path = store::redacted_location(db_arg);
  auto rt = Runtime::open(db_arg);
  if (!rt.ok()) {
    std::fprintf(stderr, "starlog serve: cannot open %s: %s\n", db_path.c_str(),
                 rt.status().message().c_str());
    return 1;
  }
  Runtime& r = **rt;
  if (Status s = r.backend.limit_size(limits.max_db_bytes); !s) {
    std::fprintf(stderr, "starlog serve: --max-db-size: %s\n", s.message().c_str());
    return 1;
  }
  auto obs = Observability::create(r, limits.access_log);
  if (!obs.ok()) {
    std::fprintf(stderr, "starlog serve: %s\n", obs.status().message().c_str());
    return 1;
  }
  if (auto demo = args.value("demo")) {
    if (Status s = load_demo(r, *demo); !s) {
      std::fprintf(stderr, "starlog serve: %s\n", s.message().c_str());
      return 1;
    }
  }
  // Appends are folded beside their answers; reads wait for the fold. The
  // follower starts once the start-up fold below is done.
  projections::Follower follower(
      *r.timeline, *r.log,
      [](const Status& s) {
        std::fprintf(stderr, "starlog: timeline projection: %s (retrying)\n", s.message().c_str());
      },
      std::nullopt, projections::Follower::Start::idle);
  std::atomic<bool> started{false};
  api::Router router;
  api::Services services{*r.log, *r.timeline, *r.reader};
  services.follower = &follower;
  services.started = &started;
  std::counting_semaphore<> as_of_folds(
      std::max<std::ptrdiff_t>(1, std::thread::hardware_concurrency()));
  services.as_of_folds = &as_of_folds;
  projections::TimeTravel time_travel(*r.log, kTimeTravelBudget,
                                      [&r](std::string_view id) { return r.reader->name_of(id); });
  services.time_travel = &time_travel;
  api::BodyCache bodies;
  services.bodies = &bodies;
  api::Takedowns takedowns(
      {*r.log, *r.rows, *r.timeline, r.timeline_rebuilder.get(), &follower, &bodies});
  services.takedowns = &takedowns;
  (*obs)->hook(services);
  api::add_routes(router, services);
  const api::Authenticator auth(*r.tokens, api::AuthOptions{args.has("private")});
  router.set_guard(auth.guard());
  (*obs)->add_routes(router);
  api::AuditServices audit{
      *r.log, *r.rows, {{*r.timeline, *r.timeline_rebuilder}}, rebuild_options, {}};
  api::add_audit_routes(router, audit);
  r.timeline_rebuilder->on_finish([](const projections::Rebuilder::Outcome& o) {
    std::fprintf(stderr, "starlog: rebuild of the timeline projection (%s): %s: %s\n",
                 o.reason.c_str(), o.result.c_str(), o.detail.c_str());
  });
  const api::Cors cors(cors_origins);
  live_options.decorate_header = [&cors](const api::Request& req,
                                         api::http::response_header<>& res) {
    cors.decorate(req, res);
  };
  api::LiveFeed live(*r.log, live_options);
  live.add_routes(router);
  takedowns.also_forget([&live] { live.forget_window(); });
  takedowns.also_forget([&time_travel] { time_travel.forget(); });
  // Another node's takedown: this node's caches and feed window forget it
  // once its fold is past it.
  if (r.backend.shared)
    follower.on_folded([&takedowns](std::int64_t folded) { takedowns.heard(folded); });
  struct Unhear {
    projections::Follower& follower;
    ~Unhear() { follower.on_folded({}); }  // before `takedowns` goes
  } unhear{follower};
  api::add_openapi_route(router);
  api::add_whoami_route(router);
  auto web = api::WebApp::load(args.value_or("web-root", default_web_root().string()));
  if (!web.ok()) {
    std::fprintf(stderr, "starlog serve: %s\n", web.status().message().c_str());
    return 1;
  }
  if (!web->installed())
    std::fprintf(stderr,
                 "starlog serve: no web app in %s (build it with `make`); serving the API only\n",
                 web->root().string().c_str());
  web->add_routes(router);
  if (args.has("list-routes")) {
    for (const auto& [method, pattern] : router.routes())
      std::printf("%s %s\n", std::string(api::http::to_string(method)).c_str(), pattern.c_str());
    return 0;
  }
  api::Server server(options, api::frontend_handler(
                                  [&router, &services](const api::Request& req) {
                                    if (auto busy = api::while_starting(services, req))
                                      return std::move(*busy);
                                    return router.dispatch(req);
                                  },
                                  router, cors));
  (*obs)->attach(server, router);
  server.set_inline_predicate(
      [&services](const api::Request& req) { return api::answers_at_once(services, req); });
  // The live feed takes its connection over only for a caller the guard lets
  // read; anyone else falls through to the router's GET /v1/events/live, where
  // the same guard answers 401/403.
  server.set_stream_route(
      [&live, &auth, &services](const api::Request& req) -> std::optional<api::StreamHandler> {
        api::RouteParams params;
        if (auth.check(req, domain::Permission::read, params)) return std::nullopt;
        if (api::while_starting(services, req)) return std::nullopt;  // the router says 503
        return live.route(req);
      });
  if (Status s = server.start(); !s) {
    std::fprintf(stderr, "starlog serve: %s\n", s.message().c_str());
    return 1;
  }
  server.stop_on_signals();
  // The start-up fold runs while the server answers /healthz and /readyz
  // (with its progress), so that a new node behind a load balancer is seen
  // starting rather than down; /v1 requests are 503 not-ready meanwhile.
  int exit_code = 0;
  std::thread boot([&] {
    auto fail = [&](const char* what, const Status& s) {
      std::fprintf(stderr, "starlog serve: %s: %s\n", what, s.message().c_str());
      exit_code = 1;
      server.stop();
    };
    if (Status s = r.catch_up(); !s) return fail("projection", s);
    // A crash between a takedown's commit and its answer left the erasure
    // unfinished: finish it before serving.
    if (Status s = takedowns.recover(); !s) return fail("completing takedowns", s);
    follower.wake();
    started.store(true, std::memory_order_release);
    // Rows of an older fold keep serving reads until the rebuilt ones replace them.
    if (r.timeline_rebuilder->needed()) {
      std::fprintf(stderr,
                   "starlog: the timeline projection was written by code version %lld; "
                   "rebuilding it as version %lld beside the live one\n",
                   static_cast<long long>(r.timeline->rows_code_version()),
                   static_cast<long long>(r.timeline_projection.code_version()));
      r.timeline_rebuilder->start("code_version", rebuild_options);
    } else if (auto left = r.timeline_rebuilder->interrupted(); left.ok() && left->has_value()) {
      // A rebuild stopped mid-way (killed, or the server stopped) goes on
      // from its copy's checkpoint rather than being silently forgotten.
      std::fprintf(stderr,
                   "starlog: a rebuild of the timeline projection was interrupted at log"
                   " position %lld of %lld; resuming it\n",
                   static_cast<long long>((*left)->position),
                   static_cast<long long>(r.log->head()));
      r.timeline_rebuilder->start("resumed", rebuild_options);
    }
    std::fprintf(stderr, "starlog: serving http://%s:%u with %s (log head %lld)%s\n",
                 options.host.c_str(), server.port(), db_path.c_str(),
                 static_cast<long long>(r.log->head()),
                 args.has("private") ? ", private: reads need a token" : "");
    if (auto tokens = r.tokens->list(); tokens.ok() && tokens->empty())
      std::fprintf(stderr,
                   "starlog: no API tokens yet; writes need one: "
                   "starlog token create --name alice --role editor --db %s\n",
                   db_path.c_str());
  });
  server.run();
  boot.join();
  // The Runtime closes the store as it goes out of scope: the last
  // connection checkpoints the WAL into the database file.
  std::fprintf(stderr, "starlog: stopped; closing the store\n");
  return exit_code;
}

}  // namespace starlog::app
