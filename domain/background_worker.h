// BackgroundWorker: a thread of its own that runs one task whenever it is
// woken, for the work that must stay off a request's path: the WAL
// checkpointer and the trash sweeper of the SQLite store, and the
// projections' Follower. (It lives in domain/, the layer every other one
// builds on, like Status and Clock.)
//
// wake() never blocks; wakes that come while the task runs make one more
// run, not one each. The task says when it wants to run next: std::nullopt
// waits for the next wake(); a duration runs it again after that long, or
// sooner when woken (zero: at once), e.g. a retry after a failure or the
// next small transaction of a long job.
//
// stop() (and the destructor) lets a running task return, then joins the
// thread; the task is not run again. A task that runs long can check
// stopping() between its steps. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace starlog::domain {

class BackgroundWorker {
 public:
  using Next = std::optional<std::chrono::milliseconds>;
  using Task = std::function<Next()>;
  enum class Start {
    idle,   // wait for the first wake()
    woken,  // run the task at once
  };

  // Starts the thread. Whatever `task` uses must outlive the worker (make
  // the worker the last member of its owner, or stop() it first).
  explicit BackgroundWorker(Task task, Start start = Start::idle);
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Runs the task soon. Never blocks.
  void wake();
  // Waits for a running task to return and joins the thread; idempotent.
  void stop();
  // True once stop() was called.
  bool stopping() const;

 private:
  void loop();

  Task task_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace starlog::domain
