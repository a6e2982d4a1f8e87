#include "tests/support/command.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace starlog::test {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

CommandResult run_shell(const TempDir& dir, const std::string& command,
                        const std::string& stdin_file) {
  const std::string out = dir.file("command.out"), err = dir.file("command.err");
  // Appended piece by piece: GCC 12 at -O2 warns (-Wrestrict, falsely) on
  // "literal" + std::string.
  std::string line = "( ";
  line += command;
  line += " ) >";
  line += shell_quote(out);
  line += " 2>";
  line += shell_quote(err);
  if (!stdin_file.empty()) {
    line += " <";
    line += shell_quote(stdin_file);
  }
  const int status = std::system(line.c_str());
  CommandResult r;
  r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

CommandResult run_starlog(const TempDir& dir, const std::string& args,
                          const std::string& stdin_file) {
  std::string command = shell_quote(ServerProcess::binary());
  command += ' ';
  command += args;
  return run_shell(dir, command, stdin_file);
}

}  // namespace starlog::test
