// Running the `starlog` command line from tests, and the tokens every write
// now needs (docs/events.md#roles-and-tokens).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/support/http_client.h"

namespace starlog::test {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when a signal ended it
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs ServerProcess::binary() with `args` (no shell, stdin from /dev/null)
// and waits for it. Throws std::system_error if it cannot be started.
CommandResult run_starlog(const std::vector<std::string>& args);

// The same, inside the mount and user namespaces of process `namespaces_of`
// (through nsenter) when they differ from ours; 0 means ours.
CommandResult run_starlog_in(pid_t namespaces_of, const std::vector<std::string>& args);

// `starlog token create --db DB --name NAME --role ROLE`; returns the secret
// it printed. Throws std::runtime_error (with stderr) if the command fails.
// `namespaces_of` as for run_starlog_in.
std::string create_token(const std::string& db, const std::string& name, const std::string& role,
                         pid_t namespaces_of = 0);

// {"Authorization": "Bearer <secret>"}.
Headers bearer(const std::string& secret);

// The demo data set of the source tree (data/demo), as `serve --demo` takes it.
std::string demo_dir();

}  // namespace starlog::test
