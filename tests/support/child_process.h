// ChildProcess: a helper program a test starts and stops itself (nginx in
// front of several `starlog serve` nodes), by its pid. Output goes to a
// file; the child gets PR_SET_PDEATHSIG=SIGKILL, so it never outlives a
// crashed test run. Use from the thread that started it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace starlog::test {

class ChildProcess {
 public:
  // Starts argv[0] (a full path) with argv; stdout and stderr to `log_path`.
  // Throws std::system_error when it cannot fork.
  ChildProcess(std::vector<std::string> argv, const std::string& log_path);
  ~ChildProcess();  // stop()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // `signal`, then SIGKILL when it has not exited within 10 s; reaps it.
  // Returns the exit status (128 + signal number when a signal ended it),
  // -1 when it was not running.
  int stop(int signal = 15);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace starlog::test
