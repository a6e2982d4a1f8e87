// FindingsReader: the read side of findings (README.md#for-fact-checkers) from the rows
// projections/findings.h keeps in the timeline projection. Returns JSON
// documents exactly as served; knows nothing of HTTP. Thread-safe (reads
// only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/json.h"
#include "domain/status.h"
#include "store/projection_store.h"

namespace starlog::projections {

struct FindingsQuery {
  std::optional<std::string> celebrity;  // one celebrity's findings; all when absent
  std::optional<std::string> kind;       // one kind (findings::is_kind); all when absent
  bool include_dismissed = false;
  std::size_t limit = 100;
  std::optional<std::string> after;  // the decoded cursor of the previous page
};

class FindingsReader {
 public:
  FindingsReader(store::ProjectionStore& rows, std::string projection)
      : rows_(rows), projection_(std::move(projection)) {}

  // {"items": [{"id", "kind", "celebrity", "fact_ids", "message", "position",
  // "dismissal"}], "next_cursor"}, in the order of celebrity id, then
  // finding id (stable: a page's cursor is the last item's place in it).
  // "dismissal" is null, or {"reason", "by", "at", "event_id", "position"}
  // (only with include_dismissed). not_found for an unknown celebrity.
  Result<Json> list(const FindingsQuery& q);

  // The finding `id` about `celebrity` as list() shows it (dismissed or
  // not), nullopt when there is none.
  Result<std::optional<Json>> find(std::string_view celebrity, std::string_view id);

 private:
  Result<std::optional<Json>> item(const std::string& key);
  store::ProjectionStore& rows_;
  std::string projection_;
};

}  // namespace starlog::projections
