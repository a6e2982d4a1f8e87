// A throwaway PostgreSQL server for tests (never a mock): Debian's
// `postgresql` binaries, initdb into a fresh temporary directory, listening
// on a unix socket in that directory only (no TCP port), started on first
// use and stopped by its pid when the test binary exits. As root (CI) the
// server runs as `nobody`, since PostgreSQL refuses to run as root. Each
// fresh_database() is a new, empty database on it. Tests only; a missing
// PostgreSQL installation fails the test (make deps installs it), it is
// never skipped.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_connection.h"

namespace starlog::store::testing {

class PgTestCluster {
 public:
  static PgTestCluster& instance() {
    static PgTestCluster cluster;
    return cluster;
  }

  // A new empty database; its connection URI.
  std::string fresh_database() {
    static std::atomic<int> next{0};
    const std::string name =
        "starlog_test_" + std::to_string(::getpid()) + "_" + std::to_string(next.fetch_add(1));
    auto admin = PgConnection::open(uri("postgres"));
    REQUIRE_MESSAGE(admin.ok(), admin.status().message());
    Status s = (*admin)->run("CREATE DATABASE " + name);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return uri(name);
  }

  std::string uri(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_ + "&user=starlog";
  }
  const std::string& socket_dir() const { return dir_; }

 private:
  PgTestCluster() {
    const std::string bin = binaries();
    REQUIRE_MESSAGE(!bin.empty(),
                    "PostgreSQL's server binaries are not installed (Debian package "
                    "postgresql; `make deps` installs it)");
    std::string tmpl = (std::filesystem::temp_directory_path() / "starlog-pg-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    as_nobody_ = ::geteuid() == 0;
    if (as_nobody_) REQUIRE(::chown(dir_.c_str(), 65534, 65534) == 0);
    const std::string data = dir_ + "/data";
    REQUIRE_MESSAGE(run({bin + "/initdb", "-D", data, "-U", "starlog", "--auth=trust", "--no-sync",
                         "-E", "UTF8", "--locale=C"},
                        true) == 0,
                    (std::string("initdb failed; see ") + dir_ + "/server.log"));
    // fsync off: a test cluster needs no durability across power loss.
    pid_ = spawn({bin + "/postgres", "-D", data, "-k", dir_, "-c", "listen_addresses=", "-c",
                  "fsync=off", "-c", "max_connections=200"});
    REQUIRE(pid_ > 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      if (PgConnection::open(uri("postgres")).ok()) break;
      int status = 0;
      REQUIRE_MESSAGE(::waitpid(pid_, &status, WNOHANG) == 0,
                      (std::string("postgres exited; see ") + dir_ + "/server.log"));
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                      (std::string("postgres did not start in 30 s; see ") + dir_ + "/server.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  ~PgTestCluster() {
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);  // fast shutdown
      int status = 0;
      for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The newest /usr/lib/postgresql/<version>/bin holding initdb, or "".
  static std::string binaries() {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& v : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(v.path() / "bin" / "initdb")) found.push_back(v.path() / "bin");
    }
    std::sort(found.begin(), found.end());
    return found.empty() ? std::string() : found.back();
  }

  // Starts `argv` (as nobody when we are root), output to server.log.
  pid_t spawn(std::vector<std::string> argv) {
    if (as_nobody_)
      argv.insert(argv.begin(),
                  {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    const std::string log = dir_ + "/server.log";
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    return pid;
  }

  int run(std::vector<std::string> argv, bool) {
    const pid_t pid = spawn(std::move(argv));
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }

  std::string dir_;
  bool as_nobody_ = false;
  pid_t pid_ = -1;
};

}  // namespace starlog::store::testing
