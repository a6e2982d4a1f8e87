#include "store/sqlite_audit_index.h"

namespace starlog::store {
namespace {

constexpr const char* kCreate = R"sql(
CREATE TABLE IF NOT EXISTS fact_participants(
  celebrity TEXT NOT NULL,
  fact_id   TEXT NOT NULL,
  PRIMARY KEY(celebrity, fact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_recorded_at ON events(recorded_at);
)sql";

// Indexes the participants a fact gains from the event `row` ("NEW" in the
// trigger, "e" over `FROM events AS e` in the backfill): the recording
// event's own, or a correction's changes.participants (which replace the
// fact's), as domain::with_changes has it; tests compare a replay through
// this index with a replay of the whole log. json_tree parses the array
// once and yields each participant's "celebrity" member directly.
std::string insert_participants(const std::string& row, const std::string& from) {
  std::string sql =
      "INSERT OR IGNORE INTO fact_participants(celebrity, fact_id) SELECT t.value, @.fact_id "
      "FROM $json_tree(CASE @.type WHEN 'fact_corrected' "
      "THEN json_extract(@.data, '$.changes.participants') ELSE @.participants END) AS t "
      "WHERE @.fact_id IS NOT NULL AND @.type <> 'fact_retracted' "
      "AND t.key = 'celebrity' AND t.type = 'text' AND t.path LIKE '$[%]'";
  // '@' stands for the row, a '$' before json_tree for the FROM clause
  // (the other '$'s are JSON paths and stay).
  sql.replace(sql.find("$json_tree"), 1, from);
  for (auto at = sql.find('@'); at != std::string::npos; at = sql.find('@', at + row.size()))
    sql.replace(at, 1, row);
  return sql;
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
    std::string trigger =
        "CREATE TRIGGER events_fact_participants AFTER INSERT ON events"
        " WHEN NEW.fact_id IS NOT NULL AND NEW.type <> 'fact_retracted' BEGIN ";
    trigger += insert_participants("NEW", "");
    trigger += "; END;";
    if (Status s = w.exec(trigger); !s) return s;
  }
  // New here, or dropped since: index what was appended without it.
  if (!*had_table || !*had_trigger) {
    if (Status s = w.exec(insert_participants("e", "events AS e, ")); !s) return s;
  }
  return Status::ok();
}

}  // namespace starlog::store
