// starlog verify (README.md#command-line): the audit of projections/audit.h, printed.
#include <cstdio>
#include <filesystem>

#include "app/args.h"
#include "app/commands.h"
#include "projections/audit.h"

namespace starlog::app {

int verify_command(int argc, char** argv) {
  Args args;
  OptionSpec spec{{"db"}, {"help"}, {}};
  if (auto err = parse_args(argc, argv, 0, spec, args)) {
    std::fprintf(stderr, "starlog verify: %s (see --help)\n", err->c_str());
    return 2;
  }
  if (args.has("help")) {
    std::printf(
        "usage: starlog verify [--db FILE|URI]\n\n"
        "Checks the hash chain of the whole log, link by link, and compares every\n"
        "projection's live digest with the digest of a replay of the log from\n"
        "position 0 to the same position. Prints the report (JSON, as\n"
        "GET /v1/audit/verify answers) on standard output; exits 0 only if the\n"
        "chain holds and every projection matches, 1 otherwise. Writes nothing,\n"
        "so it is safe beside a running server.\n"
        "  --db FILE|URI  the store: a SQLite file (default %s) or a\n"
        "                postgresql:// URI\n",
        kDefaultDb);
    return 0;
  }
  if (!args.positional.empty()) {
    std::fprintf(stderr, "starlog verify: unexpected argument %s\n", args.positional[0].c_str());
    return 2;
  }
  const std::string db = args.value_or("db", kDefaultDb);
  if (!store::store_exists(db)) {
    std::fprintf(stderr, "starlog verify: %s does not exist\n", db.c_str());
    return 1;
  }
  auto rt = Runtime::open(db);
  if (!rt.ok()) {
    std::fprintf(stderr, "starlog verify: %s\n", rt.status().message().c_str());
    return 1;
  }
  // A shared store's read models live in each node's memory: this process
  // folds its own, the way a node does, and proves it equal to a replay
  // (GET /v1/audit/verify asks a running node about its own).
  if ((*rt)->backend.shared) {
    if (Status s = (*rt)->catch_up(); !s) {
      std::fprintf(stderr, "starlog verify: projection: %s\n", s.message().c_str());
      return 1;
    }
  }
  auto report = projections::verify(*(*rt)->log, *(*rt)->rows, {(*rt)->timeline.get()});
  if (!report.ok()) {
    std::fprintf(stderr, "starlog verify: %s\n", report.status().message().c_str());
    return 1;
  }
  const Json& r = *report;
  const std::string out = to_wire(r);
  std::printf("%s\n", out.c_str());
  if (r.at("chain") != "ok")
    std::fprintf(stderr, "starlog verify: the hash chain is broken at %s\n",
                 r.at("problem").get<std::string>().c_str());
  for (const auto& p : r.at("projections")) {
    if (p.at("match").get<bool>()) continue;
    std::fprintf(
        stderr, "starlog verify: projection %s differs from a replay of the log at position %lld\n",
        p.at("name").get<std::string>().c_str(),
        static_cast<long long>(p.at("position").get<std::int64_t>()));
  }
  const bool verified = r.at("verified").get<bool>();
  if (verified)
    std::fprintf(stderr, "starlog verify: %lld events, chain ok, every projection matches\n",
                 static_cast<long long>(r.at("events").get<std::int64_t>()));
  return std::fflush(stdout) == 0 && verified ? 0 : 1;
}

}  // namespace starlog::app
