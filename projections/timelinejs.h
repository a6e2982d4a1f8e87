// The TimelineJS3 view of a timeline answer (format=timelinejs,
// README.md#timelinejs): a document TimelineJS3 renders as it is,
// https://timeline.knightlab.com/docs/json-format.html
//
//   {"title": slide, "events": [slide, ...], "scale": "human"}
//
// One slide per entry, in the entry order:
//  - unique_id: the fact id (stable, so #links to a slide survive appends);
//  - start_date / end_date: {year, month, day, hour, minute, second} with only
//    the parts the precision of `occurred` allows (UTC, like `start`); an
//    end_date only for intervals (A/B), from B with B's precision;
//  - display_date: the entry's `display` ("c. 2021", "26 August 2021, 20:00
//    EDT"), since TimelineJS cannot format approximate or zoned dates itself;
//  - text.headline: the title; text.text: HTML with the details, the
//    participants, the age, corrections or retraction and the sources;
//  - group: the event type in words ("Album released"; TimelineJS puts each
//    group on its own row);
//  - no media: TimelineJS would load it (and previews) from the source's
//    host, and the document needs no host but Starlog's; every source is a
//    link in the sources paragraph of text.text.
// Every text from the log is HTML-escaped: facts are data, never markup.
//
// Pure and thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "domain/json.h"

namespace starlog::projections {

// The display name of a celebrity id (the id itself when unknown).
using NameOf = std::function<std::string(std::string_view celebrity)>;

// REQUIRES: `timeline` is a document of TimelineReader::timeline.
Json to_timelinejs(const Json& timeline, const NameOf& name_of);

}  // namespace starlog::projections
