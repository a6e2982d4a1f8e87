// The routes of CONTRACT §6 (writes, reads, health) bound to the core
// services. Each handler turns a Request into calls on the store and the
// projections and their results into a Response; no socket, no SQL.
#pragma once

#include <functional>
#include <string>

#include "api/router.h"
#include "projections/projector.h"
#include "projections/timeline_reader.h"
#include "store/event_store.h"

namespace starlog::api {

struct Services {
  store::EventStore& log;
  projections::Projector& timeline;      // caught up after each append
  projections::TimelineReader& reader;   // reads of the timeline projection
};

// Registers every route on `router`, each with the Permission it needs
// (domain/access.h); the router's guard (api/auth.h) enforces them.
// `services` must outlive the router.
void add_routes(Router& router, Services& services);

}  // namespace starlog::api
