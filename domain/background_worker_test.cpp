#include "domain/background_worker.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

using namespace starlog::domain;
using namespace std::chrono_literals;

namespace {

// Counts the runs of a task and lets a test wait for a number of them
// (bounded: a test fails instead of hanging).
struct Runs {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  void add() {
    {
      std::lock_guard lock(mu);
      ++count;
    }
    cv.notify_all();
  }
  bool reach(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 30s, [&] { return count >= n; });
  }
  int now() {
    std::lock_guard lock(mu);
    return count;
  }
};

}  // namespace

TEST_CASE("an idle worker runs its task once per wake, and a woken one at once") {
  Runs runs;
  {
    BackgroundWorker idle([&]() -> BackgroundWorker::Next {
      runs.add();
      return std::nullopt;
    });
    CHECK(runs.now() == 0);
    idle.wake();
    REQUIRE(runs.reach(1));
    idle.wake();
    REQUIRE(runs.reach(2));
  }
  CHECK(runs.now() == 2);  // stopped: never run again

  Runs started;
  BackgroundWorker woken(
      [&]() -> BackgroundWorker::Next {
        started.add();
        return std::nullopt;
      },
      BackgroundWorker::Start::woken);
  CHECK(started.reach(1));
}

TEST_CASE("wakes that come while the task runs make one more run, not one each") {
  Runs runs;
  std::mutex gate;
  std::unique_lock hold(gate);  // the first run blocks until released
  BackgroundWorker w([&]() -> BackgroundWorker::Next {
    runs.add();
    std::lock_guard pass(gate);
    return std::nullopt;
  });
  w.wake();
  REQUIRE(runs.reach(1));
  for (int i = 0; i < 5; ++i) w.wake();  // while the first run is blocked
  hold.unlock();
  REQUIRE(runs.reach(2));
  w.stop();  // lets a run in progress return
  CHECK(runs.now() == 2);
}

TEST_CASE("a task that asks to run again is run again until it says it is done") {
  Runs runs;
  BackgroundWorker w([&]() -> BackgroundWorker::Next {
    runs.add();
    if (runs.now() < 4) return 0ms;  // more to do
    return std::nullopt;
  });
  w.wake();
  REQUIRE(runs.reach(4));
  w.stop();
  CHECK(runs.now() == 4);
}

TEST_CASE("a pause before the next run is cut short by a wake, and by stop") {
  Runs runs;
  {
    BackgroundWorker w([&]() -> BackgroundWorker::Next {
      runs.add();
      return std::chrono::hours(1);  // far longer than the test may take
    });
    w.wake();
    REQUIRE(runs.reach(1));
    w.wake();  // ends the hour's pause
    REQUIRE(runs.reach(2));
    CHECK(!w.stopping());
    w.stop();  // ends the next pause
    CHECK(w.stopping());
  }
  CHECK(runs.now() == 2);
}
