// starlog: the command line (README.md#command-line). Dispatches to one command.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/commands.h"

namespace {

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: starlog COMMAND [options]\n\n"
               "commands:\n"
               "  serve    serve the HTTP API\n"
               "  import   append NDJSON events (or --restore an export)\n"
               "  export   write the log as NDJSON envelopes\n"
               "  token    create, list and revoke API tokens\n\n"
               "  verify   check the hash chain and every projection against a replay\n"
               "  replay   print a celebrity's timeline as of a time or position\n\n"
               "Every command takes --db FILE|URI (a SQLite file, default ./data/starlog.db,\n"
               "or a postgresql:// URI) and --help.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates concurrently an arena of its own
  // (up to 8 per core), and memory freed in one is not reused by another:
  // with a handler pool, a follower, a rebuild and their page reads, that
  // nearly doubled the peak RSS of a rebuild (measured in bench/RESULTS.md).
  // 4 arenas keep two cores busy without contention. An explicit
  // MALLOC_ARENA_MAX in the environment still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 4);
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    usage(stdout);
    return 0;
  }
  using namespace starlog::app;
  if (command == "serve") return serve_command(argc - 2, argv + 2);
  if (command == "import") return import_command(argc - 2, argv + 2);
  if (command == "export") return export_command(argc - 2, argv + 2);
  if (command == "token") return token_command(argc - 2, argv + 2);
  if (command == "verify") return verify_command(argc - 2, argv + 2);
  if (command == "replay") return replay_command(argc - 2, argv + 2);
  std::fprintf(stderr, "starlog: unknown command '%s'\n", command.c_str());
  usage(stderr);
  return 2;
}
