// The routes of api/openapi.json (writes, reads, health) bound to the core
// services. Each handler turns a Request into calls on the store and the
// projections and their results into a Response; no socket, no SQL.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "api/body_cache.h"
#include "api/router.h"
#include "api/takedown.h"
#include "projections/follower.h"
#include "projections/projector.h"
#include "projections/time_travel.h"
#include "projections/timeline_reader.h"
#include "store/event_store.h"

namespace starlog::api {

struct Services {
  store::EventStore& log;
  projections::Projector& timeline;     // caught up after each append
  projections::TimelineReader& reader;  // reads of the timeline projection
  // Told about every append call (for metrics): the number of events,
  // "created", "replayed" or the failure's Code name, and how long the
  // store took. Optional; must be thread-safe.
  std::function<void(std::size_t, std::string_view, std::chrono::steady_clock::duration)>
      on_append = {};
  // Serialized timeline answers by ETag (api/body_cache.h). Optional: null
  // builds every answer.
  BodyCache* bodies = nullptr;
  // Folds appends into `timeline` in the background (projections/follower.h):
  // an append is answered once committed, and reads of the projection wait
  // (at most kFoldWait) until it reflects every append answered before they
  // began. Optional: null folds on the append's request instead.
  projections::Follower* follower = nullptr;
  static constexpr std::chrono::seconds kFoldWait{10};
  // The celebrities' histories that as-of reads are rendered from
  // (projections/time_travel.h). Optional: null folds each as-of read afresh.
  projections::TimeTravel* time_travel = nullptr;
  // As-of reads rendering or folding at once: each keeps a core busy, so
  // more than there are cores only add memory. The others wait for a slot
  // (and may then find the answer cached). Optional: null lets every one
  // run at once.
  std::counting_semaphore<>* as_of_folds = nullptr;
  // Completes a takedown before its answer leaves (api/takedown.h).
  // Optional: null leaves the read models to the fold and keeps caches.
  Takedowns* takedowns = nullptr;
  // False while the node folds the log at start-up (a new node catching up
  // with a shared store, or read models folded again after an upgrade):
  // /readyz answers 503 with the progress and /v1 requests 503 not-ready
  // (see while_starting). Optional: null is always started.
  const std::atomic<bool>* started = nullptr;
};

// While the node is starting (Services::started), the 503 not-ready answer
// (Retry-After: 1, the fold's progress) for a request under /v1/; nullopt
// otherwise. Health, metrics and documents are answered all the same.
std::optional<Response> while_starting(Services& services, const Request& req);

// Registers every route on `router`, each with the Permission it needs
// (domain/access.h); the router's guard (api/auth.h) enforces them.
// `services` must outlive the router.
void add_routes(Router& router, Services& services);

// True for a request the routes answer without waiting: a GET or HEAD of a
// profile or a live timeline while the projection is caught up with the log
// (a cache hit or one range scan). The server answers these on its I/O
// threads (Server::set_inline_predicate). As-of reads (they fold the log),
// directory searches (they scan), writes and any read that would wait for
// the fold are not.
bool answers_at_once(const Services& services, const Request& req);

}  // namespace starlog::api
