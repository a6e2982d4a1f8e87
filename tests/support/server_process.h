// Test fixtures for end-to-end tests: the real `starlog` binary in a child
// process, and a temporary directory.
//
// Threads: use each object from one thread. The child gets
// PR_SET_PDEATHSIG=SIGKILL, so it dies with the thread that started it:
// start servers from the test's main thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/http_client.h"

namespace starlog::test {

// A fresh directory under /tmp (mkdtemp), removed with everything in it on
// destruction. Throws std::system_error if it cannot be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string, for command lines.
  std::string file(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

// `starlog serve --db <db> --listen 127.0.0.1:<port> [extra args]`, started
// with fork/exec from the binary named by STARLOG_BINARY (the environment
// variable overrides the compile definition). stdout and stderr go to a
// temporary file, readable with output(). The port is a free loopback port
// found by binding port 0 and closing it again; another process could take it
// in between, which is unlikely enough for tests.
class ServerProcess {
 public:
  // Starts the server and waits (at most 10 s) until GET /healthz answers
  // 200. Throws std::runtime_error, including the captured output, if it
  // exits or does not become healthy in time.
  explicit ServerProcess(std::string db_path, std::vector<std::string> extra_args = {});
  // stop()
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  static constexpr std::chrono::seconds kStartTimeout{10};
  static constexpr std::chrono::seconds kStopTimeout{10};

  // SIGTERM, then SIGKILL if it has not exited within kStopTimeout; reaps it.
  // Returns the exit code, 128 + signal number if a signal ended it, or -1
  // if it was not running.
  int stop();
  // The same with `signal` (e.g. SIGINT) instead of SIGTERM.
  int stop_with(int signal);
  // SIGKILL at once (a crash, as far as the store can tell) and reap.
  void kill9();
  // stop() (if running), then start again with the same database, port and
  // arguments, and wait until healthy.
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  unsigned short port() const { return port_; }
  // The --db path, as the server sees it.
  const std::string& db_path() const { return db_path_; }
  std::string host() const { return "127.0.0.1"; }
  // A new client for this server. Its calls are bounded by 60 s: long
  // enough for a whole-log verify on a loaded machine under ASan (10 s was
  // not, in CI), short enough that a hung server fails the test.
  HttpClient client() const;
  // Everything the server wrote to stdout and stderr, over all its runs.
  std::string output() const;

  // The binary being tested.
  static std::string binary();
  // A loopback port that was free a moment ago.
  static unsigned short free_port();

 private:
  void start();
  void wait_until_healthy();
  int reap(bool block);  // exit status as stop() returns it, or -2 if still running

  std::string db_path_;
  std::vector<std::string> extra_args_;
  std::string log_path_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace starlog::test
