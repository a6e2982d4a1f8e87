// The two kinds of Starlog SQLite file and what tells them apart. Each file
// opens with its identity (PRAGMA application_id and user_version) and is
// described, table by table, at the top of store/sqlite_schema.cpp.
//
//   the log         <STORE>              events, the audit indexes, tokens;
//                                        synchronous=FULL: an append is on
//                                        disk when it is acknowledged
//   the read models <STORE>.projections  projection rows and checkpoints;
//                                        synchronous=NORMAL: whatever a crash
//                                        loses is folded again from the log
//
// Keeping them apart is what lets the log alone pay for durability: the
// fsync of an append's commit carries only the log's own pages, never the
// rows a projection or a rebuild wrote meanwhile (they go to another WAL).
#pragma once

#include <cstdint>
#include <string>

#include "domain/status.h"

namespace starlog::store {

class SqliteConnection;

struct SqliteSchema {
  const char* what;                // "log", "read-model": for messages
  std::int64_t application_id;     // PRAGMA application_id
  std::int64_t version;            // PRAGMA user_version this build writes
  std::int64_t oldest_upgradable;  // the lowest user_version upgrade() takes
  const char* create;              // the schema of a new file
  // Run on every open inside the schema transaction (CREATE ... IF NOT
  // EXISTS, backfills): objects added without a version bump.
  Status (*ensure)(SqliteConnection& w);
  // Brings a file of user_version `from` (oldest_upgradable <= from <
  // version) to `version`, inside the schema transaction. May be null when
  // oldest_upgradable == version.
  Status (*upgrade)(SqliteConnection& w, std::int64_t from);
  const char* synchronous;  // "FULL" or "NORMAL"
  int page_size;            // bytes per page of a new file; 0: SQLite's default
};

// The log file: the durable store of events and tokens.
const SqliteSchema& log_schema();
// The read-model file beside it.
const SqliteSchema& read_model_schema();

// Where the read models of the log at `log_path` live.
std::string read_model_path(const std::string& log_path);

}  // namespace starlog::store
