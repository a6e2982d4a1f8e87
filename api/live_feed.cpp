#include "api/live_feed.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>
#include <iostream>
#include <limits>
#include <mutex>
#include <set>
#include <unordered_set>
#include <vector>

#include "api/problem.h"
#include "api/query.h"
#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/text.h"

namespace starlog::api {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Events read from the log at once: into the shared window, and by one
// subscriber catching up from behind the window.
constexpr std::size_t kFetchPage = 512;
constexpr std::size_t kCatchUpPage = 128;
constexpr std::string_view kEventStream = "text/event-stream";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() +
         1;  // never 0, which means "not writing"
}

// One log event, serialised once for every subscriber.
struct Frame {
  std::int64_t position = 0;
  std::string type;
  std::set<std::string, std::less<>> celebrities;  // whose rows it can change
  // A takedown: it may change any timeline (the participants of the fact it
  // erased are erased with it), so every celebrity filter keeps it.
  bool any_celebrity = false;
  std::string text;  // the SSE frame
};
using FramePtr = std::shared_ptr<const Frame>;

struct LiveQuery {
  std::optional<std::int64_t> after;  // nullopt: from the head at connect time
  std::set<std::string, std::less<>> types;
  std::optional<std::string> celebrity;

  bool matches(const Frame& f) const {
    if (!types.empty() && !types.count(f.type)) return false;
    return !celebrity || f.any_celebrity || f.celebrities.count(*celebrity) > 0;
  }
};

bool is_live_path(std::string_view raw_path) {
  const auto segments = split_path(raw_path);
  return segments && *segments == std::vector<std::string>{"v1", "events", "live"};
}

std::optional<std::int64_t> non_negative(std::string_view text) {
  return domain::parse_int64(text, 0, std::numeric_limits<std::int64_t>::max());
}

// The parameters of a live request, or the 400 that rejects them.
std::optional<Response> parse_live(const Request& req, const QueryParams& query, LiveQuery& out) {
  if (auto it = query.find("after"); it != query.end()) {
    out.after = non_negative(it->second);
    if (!out.after)
      return invalid_parameter("after", "after must be a log position (an integer >= 0)", req);
  }
  if (auto id = req["Last-Event-ID"]; !id.empty()) {
    out.after = non_negative(id);
    if (!out.after)
      return invalid_parameter("Last-Event-ID",
                               "Last-Event-ID must be a log position (an integer >= 0)", req);
  }
  if (auto it = query.find("types"); it != query.end()) {
    std::string_view list = it->second;
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view t = list.substr(0, comma);
      if (!t.empty()) {
        if (!domain::find_event_type(t))
          return invalid_parameter("types", "unknown event type '" + std::string(t) + "'", req);
        out.types.emplace(t);
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (auto it = query.find("celebrity"); it != query.end()) {
    if (!domain::is_valid_slug(it->second))
      return invalid_parameter("celebrity", "celebrity must be a celebrity id (a lower-case slug)",
                               req);
    out.celebrity = it->second;
  }
  return std::nullopt;
}

void add_celebrities(const Json& participants, std::set<std::string, std::less<>>& out) {
  if (!participants.is_array()) return;
  for (const auto& p : participants) {
    if (auto c = p.find("celebrity"); p.is_object() && c != p.end() && c->is_string()) {
      out.insert(c->get<std::string>());
    }
  }
}

}  // namespace

struct LiveFeed::Hub {
  struct Subscriber {
    explicit Subscriber(beast::tcp_stream& s) : stream(&s), wake(s.get_executor()) {}
    // Touched on the connection's strand only.
    beast::tcp_stream* stream;
    bool active = true;
    asio::steady_timer wake;
    // Read by the commit listener.
    std::atomic<std::int64_t> position{0};       // last position written (or skipped)
    std::atomic<bool> caught_up{false};          // has reached the head once
    std::atomic<std::int64_t> writing_since{0};  // now_ms() when the pending write began; 0: none
    std::atomic<bool> wake_posted{false};
    std::atomic<bool> dropped{false};
  };
  using SubscriberPtr = std::shared_ptr<Subscriber>;

  struct Batch {
    std::string text;
    std::int64_t scanned = 0;  // the last position looked at
  };

  Hub(store::EventStore& l, LiveFeedOptions o) : log(l), opts(std::move(o)) {}

  store::EventStore& log;
  const LiveFeedOptions opts;

  mutable std::mutex mu;
  std::deque<FramePtr> window;  // consecutive positions ending at window_end
  std::size_t window_size_bytes = 0;
  std::int64_t window_end = 0;
  std::unordered_set<SubscriberPtr> subscribers;

  std::mutex fetch_mu;  // one reader extends the window at a time

  FramePtr make_frame(const domain::Event& e) const;
  void fetch();
  Batch render(const std::vector<FramePtr>& frames, const LiveQuery& q, std::int64_t pos) const;
  Batch catch_up(std::int64_t pos, const LiveQuery& q) const;
  Batch collect(std::int64_t pos, const LiveQuery& q);
  void on_commit(std::int64_t head);

  static asio::awaitable<void> serve(std::shared_ptr<Hub> self, beast::tcp_stream& stream,
                                     const Request& req, LiveQuery q);
};

FramePtr LiveFeed::Hub::make_frame(const domain::Event& e) const {
  auto f = std::make_shared<Frame>();
  f->position = e.position;
  // An erased event has no type any more; its frame is named for what it is.
  f->type = e.taken_down() ? std::string(LiveFeed::kTakenDownFrame) : e.type;
  f->celebrities.insert(e.stream);
  add_celebrities(e.participants, f->celebrities);
  const domain::EventType* type = e.taken_down() ? nullptr : domain::find_event_type(e.type);
  f->any_celebrity = type && type->role == domain::EventRole::takedown;
  if (type && type->amends()) {
    // An amendment changes every timeline its fact was ever on.
    auto history = log.read_fact(e.fact_id());
    if (history.ok()) {
      for (const auto& h : *history) {
        f->celebrities.insert(h.stream);
        add_celebrities(h.participants, f->celebrities);
        if (auto c = h.data.find("changes"); c != h.data.end() && c->is_object()) {
          if (auto p = c->find("participants"); p != c->end()) add_celebrities(*p, f->celebrities);
        }
      }
    } else {
      std::cerr << "starlog: live feed: " << history.status().message() << '\n';
    }
  }
  std::string& t = f->text;
  t = "id: ";
  t += std::to_string(e.position);
  t += "\nevent: ";
  t += f->type;
  t += "\ndata: ";
  t += to_wire(domain::to_json(e));
  t += "\n\n";
  return f;
}

void LiveFeed::Hub::fetch() {
  std::lock_guard fetching(fetch_mu);
  std::int64_t from = 0;
  {
    std::lock_guard lock(mu);
    from = window_end;
  }
  if (from >= log.head()) return;
  auto events = log.read_all(from, kFetchPage);
  if (!events.ok()) {
    std::cerr << "starlog: live feed: " << events.status().message() << '\n';
    return;
  }
  std::vector<FramePtr> frames;
  frames.reserve(events->size());
  for (const auto& e : *events) frames.push_back(make_frame(e));
  std::lock_guard lock(mu);
  for (auto& f : frames) {
    window_size_bytes += f->text.size();
    window_end = f->position;
    window.push_back(std::move(f));
  }
  while (window.size() > 1 &&
         (window.size() > opts.window_events || window_size_bytes > opts.window_bytes)) {
    window_size_bytes -= window.front()->text.size();
    window.pop_front();
  }
}

LiveFeed::Hub::Batch LiveFeed::Hub::render(const std::vector<FramePtr>& frames, const LiveQuery& q,
                                           std::int64_t pos) const {
  Batch b{{}, pos};
  for (const auto& f : frames) {
    if (b.text.size() >= opts.batch_bytes) break;
    if (q.matches(*f)) b.text += f->text;
    b.scanned = f->position;
  }
  return b;
}

LiveFeed::Hub::Batch LiveFeed::Hub::catch_up(std::int64_t pos, const LiveQuery& q) const {
  auto events = log.read_all(pos, kCatchUpPage);
  if (!events.ok()) {
    std::cerr << "starlog: live feed: " << events.status().message() << '\n';
    return {{}, pos};
  }
  std::vector<FramePtr> frames;
  for (const auto& e : *events) frames.push_back(make_frame(e));
  return render(frames, q, pos);
}

LiveFeed::Hub::Batch LiveFeed::Hub::collect(std::int64_t pos, const LiveQuery& q) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<FramePtr> frames;
    bool behind = false;
    {
      std::lock_guard lock(mu);
      const std::int64_t start = window_end - static_cast<std::int64_t>(window.size()) + 1;
      if (pos + 1 < start) {
        behind = true;
      } else if (pos < window_end) {
        std::size_t bytes = 0;
        for (auto i = static_cast<std::size_t>(pos + 1 - start); i < window.size(); ++i) {
          if (bytes >= opts.batch_bytes) break;
          frames.push_back(window[i]);
          if (q.matches(*window[i])) bytes += window[i]->text.size();
        }
      }
    }
    if (!frames.empty()) return render(frames, q, pos);
    if (behind) return catch_up(pos, q);
    if (pos >= log.head()) break;
    fetch();
  }
  return {{}, pos};
}

void LiveFeed::Hub::on_commit(std::int64_t head) {
  const std::int64_t now = now_ms();
  std::lock_guard lock(mu);
  for (const SubscriberPtr& sub : subscribers) {
    const std::int64_t since = sub->writing_since.load(std::memory_order_acquire);
    const bool stalled = sub->caught_up.load(std::memory_order_acquire) && since != 0 &&
                         now - since >= opts.stall_grace.count() &&
                         head - sub->position.load(std::memory_order_acquire) > opts.max_lag;
    if (stalled) {
      if (!sub->dropped.exchange(true)) {
        asio::post(sub->wake.get_executor(), [sub] {
          if (!sub->active) return;
          beast::error_code ec;
          sub->stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
          sub->stream->socket().close(ec);
        });
      }
      continue;
    }
    if (!sub->wake_posted.exchange(true)) {
      asio::post(sub->wake.get_executor(), [sub] {
        sub->wake_posted = false;
        sub->wake.cancel();
      });
    }
  }
}

asio::awaitable<void> LiveFeed::Hub::serve(std::shared_ptr<Hub> self, beast::tcp_stream& stream,
                                           const Request& req, LiveQuery q) {
  auto sub = std::make_shared<Subscriber>(stream);
  std::int64_t pos = q.after ? *q.after : self->log.head();
  sub->position = pos;
  {
    std::lock_guard lock(self->mu);
    self->subscribers.insert(sub);
  }
  struct Leave {
    Hub& hub;
    SubscriberPtr sub;
    ~Leave() {
      sub->active = false;
      std::lock_guard lock(hub.mu);
      hub.subscribers.erase(sub);
    }
  } leave{*self, sub};

  beast::error_code ec;
  stream.socket().set_option(asio::socket_base::send_buffer_size(self->opts.send_buffer_bytes), ec);

  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, kEventStream);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  res.keep_alive(false);               // the body ends when the connection does
  if (self->opts.decorate_header) self->opts.decorate_header(req, res);
  http::response_serializer<http::empty_body> header(res);
  stream.expires_after(self->opts.stall_timeout);
  auto [hec, hn] = co_await http::async_write_header(stream, header, kAsTuple);
  if (hec) co_return;

  std::string out =
      "retry: 2000\n: starlog live feed after position " + std::to_string(pos) + "\n\n";
  auto last_write = std::chrono::steady_clock::now();
  for (;;) {
    if (!out.empty()) {
      sub->writing_since.store(now_ms(), std::memory_order_release);
      stream.expires_after(self->opts.stall_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), kAsTuple);
      sub->writing_since.store(0, std::memory_order_release);
      stream.expires_never();
      if (wec || sub->dropped) co_return;
      out.clear();
      last_write = std::chrono::steady_clock::now();
      sub->position.store(pos, std::memory_order_release);
    }
    Batch batch = self->collect(pos, q);
    if (batch.scanned > pos) {
      pos = batch.scanned;
      out = std::move(batch.text);
      if (out.empty()) sub->position.store(pos, std::memory_order_release);
      continue;
    }
    sub->caught_up.store(true, std::memory_order_release);
    sub->wake.expires_at(last_write + self->opts.heartbeat);
    auto [tec] = co_await sub->wake.async_wait(kAsTuple);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none || sub->dropped) co_return;
    if (!tec) out = ": keep-alive\n\n";  // expired, not woken: the heartbeat
  }
}

LiveFeed::LiveFeed(store::EventStore& log, LiveFeedOptions options)
    : hub_(std::make_shared<Hub>(log, std::move(options))) {
  hub_->window_end = log.head();
  log.on_commit([weak = std::weak_ptr<Hub>(hub_)](std::int64_t head) {
    if (auto hub = weak.lock()) hub->on_commit(head);
  });
}

LiveFeed::~LiveFeed() = default;

std::optional<StreamHandler> LiveFeed::route(const Request& req) const {
  if (req.method() != http::verb::get) return std::nullopt;
  const Target target = split_target(req.target());
  if (!is_live_path(target.path)) return std::nullopt;
  ParsedQuery query = parse_query(target.query);
  if (!query.ok()) return std::nullopt;
  LiveQuery q;
  if (parse_live(req, query.params, q)) return std::nullopt;
  return StreamHandler([hub = hub_, q](beast::tcp_stream& stream, const Request& r) {
    return Hub::serve(hub, stream, r, q);
  });
}

void LiveFeed::forget_window() {
  std::lock_guard fetching(hub_->fetch_mu);  // no fetch adds old frames meanwhile
  std::lock_guard lock(hub_->mu);
  hub_->window.clear();
  hub_->window_size_bytes = 0;
  // The window restarts at the head: frames before it come from the log.
  hub_->window_end = hub_->log.head();
}

void LiveFeed::add_routes(Router& router) const {
  router.add(http::verb::get, std::string(kPath), domain::Permission::read,
             [](const Request& req, const RouteParams& p) {
               LiveQuery q;
               if (auto error = parse_live(req, p.query, q)) return std::move(*error);
               if (req.method() == http::verb::head) {
                 Response res{http::status::ok, req.version()};
                 res.set(http::field::content_type, kEventStream);
                 res.set(http::field::cache_control, "no-cache");
                 res.keep_alive(req.keep_alive());
                 return res;
               }
               return problem(ProblemType::live_feed_unavailable,
                              "This server does not stream the live feed.", req);
             });
}

std::size_t LiveFeed::subscribers() const {
  std::lock_guard lock(hub_->mu);
  return hub_->subscribers.size();
}

}  // namespace starlog::api
