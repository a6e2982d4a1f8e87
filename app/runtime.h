// Runtime: the wired core of one process. Opens the backend --db names
// (store/backend.h: a SQLite file, or a PostgreSQL database shared by
// several nodes), the timeline projection over it, and catches the
// projection up with the log. Every command builds one; nothing else wires.
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "projections/projector.h"
#include "projections/rebuilder.h"
#include "projections/timeline_projection.h"
#include "projections/timeline_reader.h"
#include "store/backend.h"

namespace starlog::app {

struct Runtime {
  domain::SystemClock clock;
  store::Backend backend;
  store::EventStore* log = nullptr;        // backend.log
  store::ProjectionStore* rows = nullptr;  // backend.rows
  store::TokenStore* tokens = nullptr;     // backend.tokens
  projections::TimelineProjection timeline_projection;
  std::unique_ptr<projections::Projector> timeline;
  std::unique_ptr<projections::TimelineReader> reader;
  // Declared after what it uses, so it stops (and joins) first.
  std::unique_ptr<projections::Rebuilder> timeline_rebuilder;

  // Opens the store `db` names (a file is created with its parent
  // directory) and prints the backend's notices. Does not catch up the
  // projection; call catch_up().
  static Result<std::unique_ptr<Runtime>> open(const std::string& db);
  // Folds the log into the projection, with a progress line on a terminal.
  Status catch_up();
};

// Prints "\r<label> <done>/<total> ..." to stderr when it is a terminal,
// at most a few times a second; finish() ends the line.
class Progress {
 public:
  explicit Progress(std::string label);
  void update(std::int64_t done, std::int64_t total);
  void finish();

 private:
  std::string label_;
  bool tty_;
  long long last_ms_ = 0;
  long long start_ms_ = 0;
  bool printed_ = false;
};

}  // namespace starlog::app
