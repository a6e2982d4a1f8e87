// TimelineProjection: folds the log into per-celebrity timelines, profiles
// and the directory (row layout in projections/timeline_keys.h).
//
//  - celebrity_registered / celebrity_updated set the profile row;
//  - every event of a stream sets the profile's `version`;
//  - a fact-recording event adds the fact row and one timeline row for the
//    subject (role "subject") and one per participant (role "participant");
//  - fact_corrected / fact_retracted refold the fact and move, add or remove
//    its timeline rows (a new date moves the row, a participant change moves
//    it between timelines, a retraction marks it);
//  - content_taken_down removes the fact's row and its timeline rows, as if
//    it had never been recorded; an erased event (Event::erasure) folds as
//    its header only (its stream's profile version);
//  - a profile's fact_count counts its non-retracted timeline rows;
//  - every celebrity whose profile or timeline rows an event changes (its
//    stream, and each subject or participant of a fact it adds, moves,
//    corrects or retracts, before and after) gets its revision row set to
//    the event's position.
//  - findings (projections/findings.h) are checked again for whatever the
//    event changes; finding_dismissed records a dismissal. Not in the
//    celebrity_subset fold (time travel renders timelines only).
// Ages are never stored: they are computed when an entry is read.
// Revision rows and findings' positions are left out of the digest
// (Projection::digested): after a
// takedown the live rows' revisions name positions of events a replay sees
// erased; every other row of the live fold and of a replay agrees.
#pragma once

#include "projections/projection.h"

namespace starlog::projections {

class TimelineProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "timeline";
  // 2: revision rows; 3: MessagePack rows; 4: takedowns; 5: findings
  static constexpr std::int64_t kCodeVersion = 5;

  // What the fold is given. `whole_log`: every event, in order; a missing
  // profile row is corruption. `celebrity_subset`: only the events that
  // shape some celebrities' timelines (EventStore::read_celebrity, for time
  // travel), so facts of other streams arrive without their subject's or
  // other participants' profiles; updates to those absent profiles are
  // skipped. Only the chosen celebrities' rows are then meaningful.
  enum class Input { whole_log, celebrity_subset };
  explicit TimelineProjection(Input input = Input::whole_log) : input_(input) {}

  std::string_view name() const override { return kName; }
  std::int64_t code_version() const override { return kCodeVersion; }
  Status apply(const domain::Event& e, PendingRows& rows) override;
  bool digested(std::string_view key) const override;

 private:
  Input input_;
};

}  // namespace starlog::projections
