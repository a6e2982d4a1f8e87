// The live feed (README.md#live-updates-server-sent-events): GET /v1/events/live as
// Server-Sent Events.
//
//   GET /v1/events/live?after=P&types=a,b&celebrity=ID
//   Last-Event-ID: N            (sent by EventSource on reconnect; wins over after)
//
// Answer: 200 text/event-stream, then one frame per log event with position
// > P (or > N), in log order, each exactly once:
//
//   id: <position>
//   event: <type>
//   data: <the envelope as one line of JSON>
//
// and a comment line (": keep-alive") whenever nothing was written for the
// heartbeat interval (15 s), so proxies keep the connection and clients
// notice a dead one. Without after and Last-Event-ID the feed starts at the
// current head (only new events). Filters skip events but never reorder
// them: `types` keeps the listed types; `celebrity` keeps the events that
// can change that celebrity's timeline or profile — its own stream's, those
// naming it as a participant, corrections and retractions of a fact that
// ever named it, and every takedown (the participants of the fact it
// erased are erased with it). An erased event's frame is `event:
// taken_down`, its data the header plus "taken_down". Since `id:` is the position of the last event
// sent, a reconnect with Last-Event-ID resumes without gap or duplicate.
//
// Bad parameters never reach the stream: the router's route for the path
// answers them (400 invalid-parameter), as it answers HEAD.
//
// Flow control — a slow client never slows appends or other clients:
//  - Appends only notify (on_commit): the listener posts a wake-up to each
//    subscriber's strand and returns.
//  - Recent frames are serialised once into a shared window (the last
//    window_events events); a subscriber copies from it, or reads the log
//    itself when it is behind the window (catching up).
//  - A subscriber holds at most one batch (batch_bytes) besides what the
//    kernel's send buffer (send_buffer_bytes) takes.
//  - A subscriber that has caught up once and then stops reading is
//    disconnected as soon as it has been stuck in one write for
//    stall_grace and is more than max_lag events behind the head; any write
//    stuck for stall_timeout disconnects too. EventSource reconnects by
//    itself with Last-Event-ID and catches up from the log.
//
// Threads: route() and the stream handlers run on the server's threads; the
// commit listener on the appending thread. All shared state is behind one
// mutex held only for copying pointers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "store/event_store.h"

namespace starlog::api {

struct LiveFeedOptions {
  std::chrono::milliseconds heartbeat{15000};
  std::size_t window_events = 4096;
  std::size_t window_bytes = 16u << 20;
  std::size_t batch_bytes = 64u << 10;
  int send_buffer_bytes = 64 << 10;
  std::int64_t max_lag = 1000;
  std::chrono::milliseconds stall_grace{1000};
  std::chrono::milliseconds stall_timeout{30000};
  // Adds headers to the stream's response header (CORS); may be empty.
  std::function<void(const Request&, http::response_header<>&)> decorate_header;
};

class LiveFeed {
 public:
  // Registers a commit listener on `log`, which must outlive every stream
  // this feed serves (the listener itself stays harmless after the feed is
  // gone).
  LiveFeed(store::EventStore& log, LiveFeedOptions options = {});
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // For Server::set_stream_route: takes over GET /v1/events/live when its
  // parameters are valid; nullopt otherwise (the router then answers).
  std::optional<StreamHandler> route(const Request& req) const;

  // Registers GET /v1/events/live: answers bad parameters (400) and HEAD
  // (the stream's header, no body); a GET with good parameters only gets
  // here when no stream route is installed (503 live-feed-unavailable).
  void add_routes(Router& router) const;

  // Open streams right now.
  std::size_t subscribers() const;

  // Drops the window of recent frames, which may hold content a takedown
  // has just erased from the log: later frames are read from the log again,
  // where the erased events are headers plus "taken_down". Run before the
  // takedown is acknowledged.
  void forget_window();

  static constexpr std::string_view kPath = "/v1/events/live";
  // The `event:` of an erased event's frame (it has no type any more).
  static constexpr std::string_view kTakenDownFrame = "taken_down";

 private:
  struct Hub;
  std::shared_ptr<Hub> hub_;
};

}  // namespace starlog::api
