// Running the `starlog` command line from tests, and the tokens every write
// now needs (CONTRACT §6 Auth, §8 token).
#pragma once

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

// `starlog token create --db DB --name NAME --role ROLE`; returns the secret
// it printed. Throws std::runtime_error (with stderr) if the command fails.
std::string create_token(const std::string& db, const std::string& name, const std::string& role);

// {"Authorization": "Bearer <secret>"}.
Headers bearer(const std::string& secret);

}  // namespace starlog::test
