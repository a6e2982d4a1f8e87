// The TimelineJS3 view of a timeline answer (format=timelinejs, CONTRACT
// §6): a document TimelineJS3 renders as it is,
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
//  - group: the event type (TimelineJS puts each group on its own row);
//  - media: the first source TimelineJS can embed (YouTube, Vimeo,
//    Dailymotion, SoundCloud, Spotify, Flickr, Wikipedia, an image), with
//    the publisher as credit. Every other source, Instagram included
//    (TimelineJS can no longer embed it), stays a plain link in the credits
//    paragraph of text.text.
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

// True for a URL TimelineJS3 embeds as slide media (see above).
bool timelinejs_can_embed(std::string_view url);

}  // namespace starlog::projections
