// The Starlog store on SQLite: two files, each in WAL mode.
//
// ===========================================================================
// The log: <STORE> (default ./data/starlog.db)
//
// Identity: PRAGMA application_id = 0x53544C47 ("STLG") and PRAGMA
// user_version = 3, the schema below. A file holding any schema object but
// another application_id is not a Starlog database (refused as corrupt, and
// left untouched: not even switched to WAL); a higher user_version was
// written by a newer Starlog (refused as io_error). synchronous=FULL.
//
// events: the log, one row per event, never deleted, and updated only by
// the one lawful erasure below.
//   position        INTEGER PRIMARY KEY  1, 2, 3, ... over the whole log (the rowid)
//   id              TEXT NOT NULL UNIQUE the event's UUID, lower case; the idempotency key
//   stream          TEXT NOT NULL        the celebrity id
//   version         INTEGER NOT NULL     1, 2, 3, ... within the stream; UNIQUE(stream, version)
//   type            TEXT NOT NULL        '' once the content is taken down
//   occurred        TEXT                 as sent; NULL for types without a date
//   data            TEXT NOT NULL        canonical JSON object ('{}' once taken down)
//   participants    TEXT NOT NULL        canonical JSON array ('[]' once taken down)
//   sources         TEXT NOT NULL        canonical JSON array ('[]' once taken down)
//   recorded_at     INTEGER NOT NULL     Unix time in milliseconds, UTC
//   recorded_by     TEXT NOT NULL        the appending token's name
//   fact_id         TEXT                 Event::fact_id(); NULL for profile events; indexed
//                                        (a takedown's is the fact it takes down)
//   content_digest  TEXT NOT NULL        SHA-256 hex of canonical(content)
//   hash            TEXT NOT NULL        chain hash, hex: SHA-256(hash(n-1) || canonical(header n))
//
// How positions and versions are assigned: there is one writer connection
// per process, behind a mutex, and every append runs in BEGIN IMMEDIATE,
// which also holds off writers in other processes. Inside it an append's
// events take position = max(position)+1, +2, ... and version = max(version
// of the stream)+1, +2, ..., and are committed together. So positions follow
// commit order, and a reader, which only ever sees whole committed
// transactions, never sees position N+1 before N. There is no separate
// streams table: max(version) comes from the (stream, version) index.
//
// What the triggers forbid (so that even the sqlite3 shell cannot rewrite
// history without first dropping them, and `verify` then finds the break):
//   events_no_update  BEFORE UPDATE ON events: RAISE(ABORT, ...) for every
//                     update but the lawful erasure: the content columns of
//                     an event about a fact set to the erased values ('',
//                     NULL, '{}', '[]', '[]'), every other column unchanged,
//                     when the log holds a content_taken_down event naming
//                     that fact, and never on the takedown itself. The
//                     chain hashes the content digest, which stays, so the
//                     chain still verifies (domain/hash_chain.h).
//   events_no_delete  BEFORE DELETE ON events: RAISE(ABORT, 'events are append-only')
//   events_no_gap     BEFORE INSERT ON events: a new row must take position
//                     max+1 and version max-of-its-stream+1 and an id not yet
//                     stored. Besides keeping the log gap-free, this closes
//                     INSERT OR REPLACE, whose implicit delete of a
//                     conflicting row does not fire delete triggers.
//
// fact_participants, the trigger events_fact_participants and the index
// events_recorded_at serve audits and time travel; they are described in
// store/sqlite_audit_index.h and created (with a backfill) in any file that
// lacks them.
//
// events_takedowns: a partial index of the content_taken_down events.
//
// tokens: API tokens (store/sqlite_token_store.h); never the secret itself.
//   name           TEXT PRIMARY KEY   a slug; becomes recorded_by; never reused
//   role           TEXT NOT NULL      reader | editor | auditor | admin
//   secret_sha256  TEXT NOT NULL UNIQUE  SHA-256 hex of the secret
//   created_at     INTEGER NOT NULL   Unix ms, UTC
//   revoked_at     INTEGER            Unix ms, UTC; NULL while valid
// Created IF NOT EXISTS on every open, so a file from before it gains it.
//
// Erasure leaves no copy behind: every connection that writes runs with
// PRAGMA secure_delete=ON (freed cells and pages are zeroed), and a
// takedown's commit is followed by a TRUNCATE checkpoint, which copies the
// erased pages into the file and empties the WAL, where older frames still
// held the content (store/sqlite_database.h, SqliteDatabase::truncate_wal).
//
// Upgrade from user_version 2: the update trigger is replaced by the one
// above (the lawful erasure), and every free page is overwritten with
// zeros (scrub_free_pages: a version-2 file was written without
// secure_delete, and its freelist may hold rows of the read models a
// version-1 file kept); nothing else changes.
// Upgrade from user_version 1: a version-1 file also held the read models
// (the projection_* tables below). They are dropped, in the same
// transaction that sets user_version 2; the read-model file beside the log
// is then folded from the log like any new one. Events and tokens are
// untouched. An older binary refuses a version-2 file (newer schema).
//
// ===========================================================================
// The read models: <STORE>.projections
//
// Identity: PRAGMA application_id = 0x53544C52 ("STLR"), user_version = 2.
// 8 KiB pages (most rows then fit a page without an overflow page).
// synchronous=NORMAL: a commit does not wait for an fsync (WAL keeps the
// file consistent; a crash may lose the last commits, and their events are
// folded again from the checkpoint, which commits with its rows).
//
// projection_rows: read models as ordered key/value rows.
//   (projection TEXT, key BLOB, value BLOB, PRIMARY KEY(projection, key)) WITHOUT ROWID
//   Keys and values are always bound as BLOBs, so keys compare with memcmp.
// projection_checkpoints: per projection, the last log position folded in.
//   (projection TEXT PRIMARY KEY, position INTEGER, code_version INTEGER)
//   Written in the same transaction as that projection's rows.
// In both tables `projection` is the *space* a projection's rows live in.
// projection_names maps a projection's name to its space; a name without a
// row there lives in the space of its own name. A rebuilt copy replaces the
// live rows by pointing the name at the copy's space: an O(1) swap
// (store/sqlite_projection_store.h).
//   projection_names(name TEXT PRIMARY KEY, space TEXT NOT NULL UNIQUE)
//   projection_trash(space TEXT PRIMARY KEY): spaces no name points at any
//   more, whose rows are deleted in the background in small transactions.
//
// Upgrade from user_version 1 (written without secure_delete, so its pages
// may hold stale copies of rows that moved): every table is dropped, which
// with secure_delete zeroes every page they used, pages that were free
// already are overwritten with zeros, and the tables are created again;
// the projections are then folded from the log like in a new file.
//
// The file holds nothing that cannot be folded again from the log: deleting
// it (with its -wal and -shm) while no Starlog runs makes the next start
// refold every projection.
#include "store/sqlite_schema.h"

#include <algorithm>
#include <string>

#include "store/sqlite_audit_index.h"
#include "store/sqlite_database.h"

namespace starlog::store {
namespace {

constexpr const char* kLogSchema = R"sql(
CREATE TABLE events(
  position       INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  stream         TEXT NOT NULL,
  version        INTEGER NOT NULL,
  type           TEXT NOT NULL,
  occurred       TEXT,
  data           TEXT NOT NULL,
  participants   TEXT NOT NULL,
  sources        TEXT NOT NULL,
  recorded_at    INTEGER NOT NULL,
  recorded_by    TEXT NOT NULL,
  fact_id        TEXT,
  content_digest TEXT NOT NULL,
  hash           TEXT NOT NULL,
  UNIQUE(stream, version)
);
CREATE INDEX events_fact_id ON events(fact_id) WHERE fact_id IS NOT NULL;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_gap BEFORE INSERT ON events
WHEN NEW.position IS NOT (SELECT COALESCE(MAX(position), 0) + 1 FROM events)
  OR NEW.version IS NOT (SELECT COALESCE(MAX(version), 0) + 1 FROM events WHERE stream = NEW.stream)
  OR EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'events are append-only: a new event continues its stream and the log without gaps'); END;
)sql";

// The one update the log allows: a takedown's erasure (see the header).
constexpr const char* kNoUpdate = R"sql(
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (
  NEW.position IS OLD.position AND NEW.id IS OLD.id AND NEW.stream IS OLD.stream
  AND NEW.version IS OLD.version AND NEW.recorded_at IS OLD.recorded_at
  AND NEW.recorded_by IS OLD.recorded_by AND NEW.fact_id IS OLD.fact_id
  AND NEW.content_digest IS OLD.content_digest AND NEW.hash IS OLD.hash
  AND NEW.type = '' AND NEW.occurred IS NULL AND NEW.data = '{}'
  AND NEW.participants = '[]' AND NEW.sources = '[]'
  AND OLD.fact_id IS NOT NULL AND OLD.type <> 'content_taken_down'
  AND EXISTS (SELECT 1 FROM events AS t
              WHERE t.fact_id = OLD.fact_id AND t.type = 'content_taken_down'))
BEGIN SELECT RAISE(ABORT, 'events are append-only: only a content_taken_down event may erase the content of its fact''s events'); END;
)sql";

// Takedowns, found without a scan (EventStore::last_takedown).
constexpr const char* kTakedowns =
    "CREATE INDEX IF NOT EXISTS events_takedowns ON events(position)"
    " WHERE type = 'content_taken_down';";

constexpr const char* kTokens = R"sql(
CREATE TABLE IF NOT EXISTS tokens(
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER
);
)sql";

Status ensure_log(SqliteConnection& w) {
  if (Status s = w.exec(kTokens); !s) return s;
  if (Status s = w.exec(kTakedowns); !s) return s;
  auto trigger = w.prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'events_no_update'");
  if (!trigger) return trigger.status();
  auto row = trigger->step();
  if (!row) return row.status();
  // A new file (and an upgraded one) gets it here, once.
  if (*row && trigger->int64(0) == 0) {
    if (Status s = w.exec(kNoUpdate); !s) return s;
  }
  return ensure_audit_indexes(w);
}

// Writes zeros over every page on the file's freelist. Pages freed before
// secure_delete was on (by a Starlog older than log format 3, or read-model
// format 2) may still hold rows; a zero blob large enough to take every
// free page as an overflow page overwrites them, and dropping its table
// (secure_delete) leaves them zeroed on the freelist.
Status scrub_free_pages(SqliteConnection& w) {
  auto count = [&](const char* pragma) -> Result<std::int64_t> {
    auto st = w.prepare(pragma);
    if (!st) return st.status();
    auto row = st->step();
    if (!row) return row.status();
    return *row ? st->int64(0) : 0;
  };
  auto page_size = count("PRAGMA page_size");
  if (!page_size.ok()) return page_size.status();
  if (Status s = w.exec("CREATE TABLE starlog_scrub(zeros BLOB)"); !s) return s;
  for (int round = 0; round < 1'000'000; ++round) {
    auto free_pages = count("PRAGMA freelist_count");
    if (!free_pages.ok()) return free_pages.status();
    if (*free_pages == 0) break;
    // At most 64 MiB per row; the loop takes the rest.
    const std::int64_t pages = std::min<std::int64_t>(*free_pages, (64 << 20) / *page_size);
    if (Status s = w.exec("INSERT INTO starlog_scrub VALUES(zeroblob(" +
                          std::to_string(pages * *page_size) + "))");
        !s)
      return s;
  }
  return w.exec("DROP TABLE starlog_scrub");
}

// Version 1 kept the read models in the log file; version 2 had an update
// trigger without the lawful erasure (ensure_log creates the new one).
Status upgrade_log(SqliteConnection& w, std::int64_t from) {
  if (from != 1 && from != 2)
    return Status::io_error("no upgrade from log schema " + std::to_string(from));
  if (from == 1) {
    if (Status s = w.exec(
            "DROP TABLE IF EXISTS projection_rows; DROP TABLE IF EXISTS projection_checkpoints;"
            " DROP TABLE IF EXISTS projection_names; DROP TABLE IF EXISTS projection_trash;");
        !s)
      return s;
  }
  if (Status s = w.exec("DROP TRIGGER IF EXISTS events_no_update;"); !s) return s;
  return scrub_free_pages(w);
}

constexpr const char* kReadModelSchema = R"sql(
CREATE TABLE projection_rows(
  projection TEXT NOT NULL,
  key        BLOB NOT NULL,
  value      BLOB NOT NULL,
  PRIMARY KEY(projection, key)
) WITHOUT ROWID;
CREATE TABLE projection_checkpoints(
  projection   TEXT PRIMARY KEY,
  position     INTEGER NOT NULL,
  code_version INTEGER NOT NULL
);
CREATE TABLE projection_names(
  name  TEXT PRIMARY KEY,
  space TEXT NOT NULL UNIQUE
);
CREATE TABLE projection_trash(
  space TEXT PRIMARY KEY
);
)sql";

Status ensure_nothing(SqliteConnection&) { return Status::ok(); }

Status upgrade_read_models(SqliteConnection& w, std::int64_t from) {
  if (from != 1)
    return Status::io_error("no upgrade from read-model schema " + std::to_string(from));
  if (Status s = w.exec(
          "DROP TABLE IF EXISTS projection_rows; DROP TABLE IF EXISTS projection_checkpoints;"
          " DROP TABLE IF EXISTS projection_names; DROP TABLE IF EXISTS projection_trash;");
      !s)
    return s;
  if (Status s = scrub_free_pages(w); !s) return s;
  return w.exec(kReadModelSchema);
}

}  // namespace

const SqliteSchema& log_schema() {
  static const SqliteSchema schema{"log",       0x53544C47,   3,      1, kLogSchema,
                                   &ensure_log, &upgrade_log, "FULL", 0};
  return schema;
}

const SqliteSchema& read_model_schema() {
  // 8 KiB pages: most timeline and fact rows fit a page without overflow.
  static const SqliteSchema schema{
      "read-model",    0x53544C52,           2,        1,   kReadModelSchema,
      &ensure_nothing, &upgrade_read_models, "NORMAL", 8192};
  return schema;
}

std::string read_model_path(const std::string& log_path) { return log_path + ".projections"; }

}  // namespace starlog::store
