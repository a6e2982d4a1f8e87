// starlog replay (README.md#command-line): a celebrity's timeline as it stood at a time
// or log position (projections/time_travel.h), printed exactly as
// GET /v1/celebrities/{id}/timeline?as_of=... answers.
#include <cstdio>
#include <filesystem>
#include <limits>

#include "app/args.h"
#include "app/commands.h"
#include "projections/time_travel.h"

namespace starlog::app {

int replay_command(int argc, char** argv) {
  Args args;
  OptionSpec spec{{"db", "celebrity", "as-of", "as-of-position", "limit", "cursor"},
                  {"include-retracted", "help"},
                  {}};
  if (auto err = parse_args(argc, argv, 0, spec, args)) {
    std::fprintf(stderr, "starlog replay: %s (see --help)\n", err->c_str());
    return 2;
  }
  if (args.has("help")) {
    std::printf(
        "usage: starlog replay --celebrity ID [--as-of T | --as-of-position P]\n"
        "                      [--limit N] [--cursor C] [--include-retracted] [--db FILE|URI]\n\n"
        "Prints a celebrity's timeline exactly as it stood when the log ended at\n"
        "position P, or at the last event recorded at or before T (RFC 3339), as\n"
        "the API answers GET /v1/celebrities/ID/timeline?as_of=T. Without either,\n"
        "the whole log. Folded afresh from the log, never read from a projection.\n"
        "  --limit N             entries per page, 1-500 (default 100)\n"
        "  --cursor C            the next_cursor of the previous page\n"
        "  --include-retracted   show retracted facts too\n"
        "  --db FILE|URI         the store: a SQLite file (default %s) or a\n"
        "                        postgresql:// URI\n",
        kDefaultDb);
    return 0;
  }
  auto fail = [](const std::string& msg, int code) {
    std::fprintf(stderr, "starlog replay: %s\n", msg.c_str());
    return code;
  };
  if (!args.positional.empty()) return fail("unexpected argument " + args.positional[0], 2);
  const auto celebrity = args.value("celebrity");
  if (!celebrity) return fail("--celebrity ID is required", 2);
  const auto as_of = args.value("as-of");
  const auto as_of_position = args.value("as-of-position");
  if (as_of && as_of_position) return fail("give either --as-of or --as-of-position, not both", 2);
  std::optional<domain::Millis> at;
  if (as_of) {
    at = domain::parse_instant(*as_of);
    if (!at) return fail("--as-of must be an RFC 3339 instant, e.g. 2026-11-26T15:04:05Z", 2);
  }
  std::optional<std::int64_t> position;
  if (as_of_position) {
    std::int64_t n = 0;
    if (auto err = read_int(args, "as-of-position", 0, std::numeric_limits<std::int64_t>::max(), n))
      return fail(*err, 2);
    position = n;
  }
  projections::TimelineQuery q;
  q.celebrity = *celebrity;
  q.include_retracted = args.has("include-retracted");
  std::int64_t limit = static_cast<std::int64_t>(q.limit);
  if (auto err = read_int(args, "limit", 1, 500, limit)) return fail(*err, 2);
  q.limit = static_cast<std::size_t>(limit);
  if (auto cursor = args.value("cursor")) {
    q.cursor = projections::keys::decode_cursor(*cursor);
    if (!q.cursor || q.cursor->descending)
      return fail("--cursor is not one a timeline handed out", 2);
  }

  const std::string db = args.value_or("db", kDefaultDb);
  if (!store::store_exists(db)) return fail(db + " does not exist", 1);
  auto rt = Runtime::open(db);
  if (!rt.ok()) return fail(rt.status().message(), 1);
  store::EventStore& log = *(*rt)->log;
  const std::int64_t head = log.head();
  std::int64_t p = head;
  if (at) {
    auto found = log.position_at(*at);
    if (!found.ok()) return fail(found.status().message(), 1);
    p = std::min(*found, head);
  } else if (position) {
    if (*position > head)
      return fail("--as-of-position " + std::to_string(*position) + " is beyond the log's head (" +
                      std::to_string(head) + ")",
                  1);
    p = *position;
  }
  // Titles name people as the read model registers them now, like the
  // server's as-of answers.
  projections::TimelineReader& names = *(*rt)->reader;
  auto doc = projections::timeline_at(log, q, p,
                                      [&names](std::string_view id) { return names.name_of(id); });
  if (!doc.ok())
    return fail(doc.status().message() + " (as of position " + std::to_string(p) + ")", 1);
  const std::string out = to_wire(*doc);
  std::printf("%s\n", out.c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace starlog::app
