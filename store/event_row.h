// One stored event as every backend reads it back: the columns below, in
// this order, turned into a domain::Event (an erased one included). The
// SQLite and the PostgreSQL stores select the same columns.
//
//   0 position  1 id  2 stream  3 version  4 type  5 occurred  6 data
//   7 participants  8 sources  9 recorded_at (ms)  10 recorded_by  11 hash
//   12 fact_id  13 content_digest
//   14 for an erased row (type ''): its takedown as the JSON array
//      [id, recorded_at ms, reason], NULL when the log holds none
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/event.h"
#include "domain/status.h"

namespace starlog::store {

struct EventColumns {
  std::int64_t position = 0;
  std::string_view id, stream;
  std::int64_t version = 0;
  std::string_view type;
  std::optional<std::string_view> occurred;
  std::string_view data, participants, sources;
  std::int64_t recorded_at_ms = 0;
  std::string_view recorded_by, hash;
  std::optional<std::string_view> fact_id;
  std::string_view content_digest;
  std::optional<std::string_view> takedown;
};

// Fills `e`. corrupt (naming the position and column) when a content column
// is not JSON; the other fields are filled all the same.
Status event_from_columns(const EventColumns& c, domain::Event& e);

}  // namespace starlog::store
