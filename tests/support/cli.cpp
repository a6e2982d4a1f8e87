#include "tests/support/cli.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "tests/support/server_process.h"

extern char** environ;

namespace starlog::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

CommandResult run_starlog(const std::vector<std::string>& args) { return run_starlog_in(0, args); }

CommandResult run_starlog_in(pid_t namespaces_of, const std::vector<std::string>& args) {
  TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  std::vector<std::string> argv_s;
  std::error_code ec;
  if (namespaces_of > 0 &&
      std::filesystem::read_symlink("/proc/" + std::to_string(namespaces_of) + "/ns/mnt", ec) !=
          std::filesystem::read_symlink("/proc/self/ns/mnt", ec)) {
    argv_s = {"/usr/bin/nsenter", "-t", std::to_string(namespaces_of), "-m", "-U"};
  }
  // The real CLI even where a test wraps the server binary (STARLOG_BINARY).
  argv_s.push_back(STARLOG_BINARY);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn starlog");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  CommandResult r;
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.exit_code = 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string create_token(const std::string& db, const std::string& name, const std::string& role,
                         pid_t namespaces_of) {
  const CommandResult r = run_starlog_in(
      namespaces_of, {"token", "create", "--db", db, "--name", name, "--role", role});
  if (r.exit_code != 0 || r.out.empty() || r.out.back() != '\n')
    throw std::runtime_error("starlog token create " + name + " failed (" +
                             std::to_string(r.exit_code) + "): " + r.err);
  return r.out.substr(0, r.out.size() - 1);
}

Headers bearer(const std::string& secret) { return {{"Authorization", "Bearer " + secret}}; }

std::string demo_dir() { return std::string(STARLOG_SOURCE_DIR) + "/data/demo"; }

}  // namespace starlog::test
