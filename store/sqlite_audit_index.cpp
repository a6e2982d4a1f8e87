#include "store/sqlite_audit_index.h"

namespace starlog::store {
namespace {

// The participants a fact gains from one event: the recording event's own,
// or a correction's changes.participants (which replace the fact's). The
// same rule as domain::with_changes; tests compare a replay through this
// index with a replay of the whole log.
constexpr const char* kParticipantsOf =
    "json_each(CASE e.type WHEN 'fact_corrected' THEN json_extract(e.data, "
    "'$.changes.participants')"
    " ELSE e.participants END)";

constexpr const char* kCreate = R"sql(
CREATE TABLE IF NOT EXISTS fact_participants(
  celebrity TEXT NOT NULL,
  fact_id   TEXT NOT NULL,
  PRIMARY KEY(celebrity, fact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_recorded_at ON events(recorded_at);
)sql";

// Indexes the participants of the events of `event_source` (aliased e).
std::string insert_from(const std::string& event_source) {
  return std::string(
             "INSERT OR IGNORE INTO fact_participants(celebrity, fact_id)"
             " SELECT json_extract(p.value, '$.celebrity'), e.fact_id FROM ") +
         event_source + ", " + kParticipantsOf +
         " AS p WHERE e.fact_id IS NOT NULL AND e.type <> 'fact_retracted'"
         " AND json_extract(p.value, '$.celebrity') IS NOT NULL";
}

Result<bool> exists(SqliteConnection& w, const char* type, const char* name) {
  auto st = w.prepare("SELECT count(*) FROM sqlite_schema WHERE type = ?1 AND name = ?2");
  if (!st) return st.status();
  st->bind_text(1, type).bind_text(2, name);
  auto row = st->step();
  if (!row) return row.status();
  return *row && st->int64(0) > 0;
}

}  // namespace

Status ensure_audit_indexes(SqliteConnection& w) {
  auto had_table = exists(w, "table", "fact_participants");
  if (!had_table) return had_table.status();
  if (Status s = w.exec(kCreate); !s) return s;
  auto had_trigger = exists(w, "trigger", "events_fact_participants");
  if (!had_trigger) return had_trigger.status();
  if (!*had_trigger) {
    // In a trigger the new row is NEW; a one-row subquery names it `e` so
    // that the trigger and the backfill share one statement text.
    const std::string trigger =
        "CREATE TRIGGER events_fact_participants AFTER INSERT ON events BEGIN " +
        insert_from(
            "(SELECT NEW.type AS type, NEW.data AS data, NEW.participants AS participants,"
            " NEW.fact_id AS fact_id) AS e") +
        "; END;";
    if (Status s = w.exec(trigger); !s) return s;
  }
  // New here, or dropped since: index what was appended without it.
  if (!*had_table || !*had_trigger) {
    if (Status s = w.exec(insert_from("events AS e")); !s) return s;
  }
  return Status::ok();
}

}  // namespace starlog::store
