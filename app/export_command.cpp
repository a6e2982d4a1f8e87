#include <cstdio>
#include <limits>

#include "app/args.h"
#include "app/commands.h"
#include "domain/hash_chain.h"

namespace starlog::app {

int export_command(int argc, char** argv) {
  Args args;
  OptionSpec spec{{"db", "after"}, {"help"}, {}};
  if (auto err = parse_args(argc, argv, 0, spec, args)) {
    std::fprintf(stderr, "starlog export: %s (see --help)\n", err->c_str());
    return 2;
  }
  if (args.has("help")) {
    std::printf(
        "usage: starlog export [--db FILE|URI] [--after P]\n\n"
        "Writes the log as NDJSON envelopes (canonical JSON, one event per line) to\n"
        "standard output, in position order, starting after position P (default 0).\n"
        "`starlog import --restore` reads it back.\n");
    return 0;
  }
  if (!args.positional.empty()) {
    std::fprintf(stderr, "starlog export: unexpected argument %s\n", args.positional[0].c_str());
    return 2;
  }
  std::int64_t after = 0;
  if (auto err = read_int(args, "after", 0, std::numeric_limits<std::int64_t>::max(), after)) {
    std::fprintf(stderr, "starlog export: %s (a log position)\n", err->c_str());
    return 2;
  }
  auto rt = Runtime::open(args.value_or("db", kDefaultDb));
  if (!rt.ok()) {
    std::fprintf(stderr, "starlog export: %s\n", rt.status().message().c_str());
    return 1;
  }
  for (;;) {
    auto page = (*rt)->log->read_all(after, 1000);
    if (!page.ok()) {
      std::fprintf(stderr, "starlog export: %s\n", page.status().message().c_str());
      return 1;
    }
    if (page->empty()) break;
    for (const auto& e : *page) {
      const std::string line = domain::canonical(domain::to_json(e));
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    }
    after = page->back().position;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace starlog::app
