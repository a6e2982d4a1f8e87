// Running commands for tests: the `starlog` binary, the sqlite3 shell,
// python3, through /bin/sh with stdout and stderr captured in files of a
// TempDir. Throws nothing; a command that cannot start has exit_code 127.
#pragma once

#include <string>
#include <string_view>

#include "tests/support/cli.h"  // CommandResult
#include "tests/support/server_process.h"

namespace starlog::test {

// Runs `command` (a shell command line) in `dir`'s scratch files, with
// standard input from `stdin_file` when given.
CommandResult run_shell(const TempDir& dir, const std::string& command,
                        const std::string& stdin_file = "");
// Runs `starlog <args>` (the binary under test).
CommandResult run_starlog(const TempDir& dir, const std::string& args,
                          const std::string& stdin_file = "");
// `text` in single quotes for the shell.
std::string shell_quote(const std::string& text);

// The parts appended in order. (GCC 12 at -O2 warns, falsely, with
// -Wrestrict on "literal" + a temporary std::string; this never builds one.)
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

}  // namespace starlog::test
