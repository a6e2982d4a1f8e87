// The stateful rules (docs/events.md#append-rules), checked by the store's single writer
// inside its write transaction, so that no concurrent append can slip in
// between the check and the write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"

namespace starlog::domain {

// What the rules need to know of the stored log. Implemented by the store on
// its write connection; valid only for the duration of one append.
class LogView {
 public:
  virtual ~LogView() = default;
  // Current version of a stream; 0 when the stream does not exist.
  virtual std::int64_t stream_version(std::string_view stream) = 0;
  // Every stored event about a fact (the recording event, then its
  // corrections and retraction) in log order; empty when no such fact.
  virtual std::vector<Event> fact_events(std::string_view fact_id) = 0;
  // The type of the stored event with this id ("" when its content was
  // taken down); nullopt when no event has this id.
  virtual std::optional<std::string> event_type(std::string_view id) = 0;
};

// Checks appending `batch` (validated) to `stream`, now at `stream_version`:
//  - the first event of a stream is celebrity_registered, and only the first;
//  - every participants[].celebrity (and a correction's
//    changes.participants[].celebrity) is a registered celebrity other than
//    the subject itself: a fact is already on its subject's timeline;
//  - fact_corrected/fact_retracted name a fact of the same stream (422 invalid
//    otherwise, also for unknown facts and for ids of events that record no
//    fact) that is not retracted (409 conflict), and a corrected fact still
//    validates as its type (422);
//  - content_taken_down names a fact of the same stream (422 as above) that
//    has not been taken down yet (409), and never a takedown (409: a
//    takedown is an ordinary event and is never taken down itself);
//  - no fact_corrected or fact_retracted names a fact taken down (409).
// Events earlier in the batch count as stored for later ones. Pointers are
// "/i/..." when `is_batch`, "/..." otherwise.
// Which category wins: the first failing event in batch order decides; within
// one event the 422 rules come before the 409 one. So Status::conflict only
// when no 422 error precedes it; else Status::invalid with every 422 error of
// the batch.
Status check_append_rules(std::string_view stream, std::int64_t stream_version,
                          const std::vector<NewEvent>& batch, bool is_batch, LogView& view);

}  // namespace starlog::domain
