#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#ifndef STARLOG_BINARY
#error "STARLOG_BINARY must name the starlog binary (CMake sets it for test targets)"
#endif

namespace starlog::test {

namespace {

std::system_error errno_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

}  // namespace

// ---- TempDir --------------------------------------------------------------

TempDir::TempDir() {
  std::string pattern = "/tmp/starlog-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw errno_error("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; a leftover dir is harmless
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(std::string_view name) const { return (path_ / name).string(); }

// ---- ServerProcess --------------------------------------------------------

std::string ServerProcess::binary() {
  if (const char* env = std::getenv("STARLOG_BINARY"); env && *env) return env;
  return STARLOG_BINARY;
}

unsigned short ServerProcess::free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errno_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const auto err = errno_error("bind to a free port");
    ::close(fd);
    throw err;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(std::string db_path, std::vector<std::string> extra_args)
    : db_path_(std::move(db_path)), extra_args_(std::move(extra_args)) {
  std::string pattern = "/tmp/starlog-server-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw errno_error("mkstemp");
  ::close(fd);
  log_path_ = pattern;
  port_ = free_port();
  try {
    start();
  } catch (...) {
    stop();
    ::unlink(log_path_.c_str());
    throw;
  }
}

ServerProcess::~ServerProcess() {
  stop();
  ::unlink(log_path_.c_str());
}

void ServerProcess::start() {
  // Everything the child needs is built before fork(): between fork and exec
  // a multi-threaded parent's child may only make async-signal-safe calls.
  const std::string bin = binary();
  std::vector<std::string> args = {bin,      "serve",    "--db",
                                   db_path_, "--listen", host() + ":" + std::to_string(port_)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string exec_failed = "server_process: exec " + bin + " failed\n";

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (log_fd < 0) throw errno_error("open " + log_path_);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    throw errno_error("open /dev/null");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw errno_error("fork");
  }
  if (pid == 0) {
    // Never outlive a crashed test run.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // Sockets and files the test process holds stay out of the server.
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
  wait_until_healthy();
}

void ServerProcess::wait_until_healthy() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string last_error = "no attempt";
  while (std::chrono::steady_clock::now() < deadline) {
    if (const int status = reap(false); status != -2) {
      throw std::runtime_error("starlog exited with status " + std::to_string(status) +
                               " before becoming healthy; output:\n" + output());
    }
    try {
      HttpClient probe(host(), port_, std::chrono::seconds(1));
      const HttpResult r = probe.get("/healthz");
      // Healthy, and done with its start-up fold: /v1 requests are served.
      if (r.status == 200) {
        const HttpResult ready = probe.get("/readyz");
        if (ready.body.find("\"starting\"") == std::string::npos) return;
        last_error = "GET /readyz: " + ready.body;
      } else {
        last_error = "GET /healthz answered " + std::to_string(r.status);
      }
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw std::runtime_error("starlog did not become healthy within " +
                           std::to_string(kStartTimeout.count()) + " s (" + last_error +
                           "); output:\n" + output());
}

int ServerProcess::reap(bool block) {
  if (pid_ <= 0) return -1;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return -2;
  pid_ = -1;
  if (r < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int ServerProcess::stop() { return stop_with(SIGTERM); }

int ServerProcess::stop_with(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const int status = reap(false); status != -2) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  return reap(true);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

void ServerProcess::restart() {
  stop();
  start();
}

HttpClient ServerProcess::client() const {
  return HttpClient(host(), port_, std::chrono::seconds(60));
}

std::string ServerProcess::output() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace starlog::test
