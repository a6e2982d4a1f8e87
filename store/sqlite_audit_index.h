// The indexes behind audits and time travel, beside the tables of
// store/sqlite_database.cpp (whose opening comment describes them too).
//
//   fact_participants(celebrity, fact_id)  PRIMARY KEY(celebrity, fact_id)
//     Every celebrity that has been a participant of a fact at any time:
//     from the participants of the recording event and of every
//     correction's changes.participants. Filled by the AFTER INSERT trigger
//     events_fact_participants, so every writer keeps it (appends, restores,
//     an older Starlog, the sqlite3 shell); backfilled from the events when
//     the table or its trigger is (re)created in an existing file.
//   events_recorded_at ON events(recorded_at)
//     as_of T: the last position recorded at or before T.
//
// Together with UNIQUE(stream, version) and events_fact_id they give one
// celebrity's events (EventStore::read_celebrity) without a scan of the log.
#pragma once

#include "domain/status.h"
#include "store/sqlite_database.h"

namespace starlog::store {

// Creates the tables, trigger and index above where they are missing, and
// backfills fact_participants when it or its trigger is new. Idempotent.
// REQUIRES: `w` is the writer, inside a write transaction.
Status ensure_audit_indexes(SqliteConnection& w);

}  // namespace starlog::store
