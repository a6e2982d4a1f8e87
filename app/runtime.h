// Runtime: the wired core of one process. Opens the log file and the
// read-model file beside it, the event store, the projection store and the
// timeline projection, and catches the projection up with the log. Every command builds one;
// nothing else wires.
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "projections/projector.h"
#include "projections/rebuilder.h"
#include "projections/timeline_projection.h"
#include "projections/timeline_reader.h"
#include "store/sqlite_database.h"
#include "store/sqlite_event_store.h"
#include "store/sqlite_projection_store.h"
#include "store/sqlite_token_store.h"

namespace starlog::app {

struct Runtime {
  domain::SystemClock clock;
  std::shared_ptr<store::SqliteDatabase> db;           // the log (and tokens)
  std::shared_ptr<store::SqliteDatabase> read_models;  // db_path + ".projections"
  std::unique_ptr<store::SqliteEventStore> log;
  std::unique_ptr<store::SqliteProjectionStore> rows;
  projections::TimelineProjection timeline_projection;
  std::unique_ptr<projections::Projector> timeline;
  std::unique_ptr<projections::TimelineReader> reader;
  std::unique_ptr<store::SqliteTokenStore> tokens;
  // Declared after what it uses, so it stops (and joins) first.
  std::unique_ptr<projections::Rebuilder> timeline_rebuilder;

  // Opens `db_path` (creating it and its parent directory). Does not catch
  // up the projection; call catch_up().
  static Result<std::unique_ptr<Runtime>> open(const std::string& db_path);
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
