// Clock: where recorded time comes from. A seam for tests.
#pragma once

#include <atomic>
#include <chrono>

#include "domain/occurred.h"

namespace starlog::domain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() = 0;  // thread-safe
};

class SystemClock final : public Clock {
 public:
  Millis now() override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Millis start) : t_(start.time_since_epoch().count()) {}
  Millis now() override { return Millis(std::chrono::milliseconds(t_.load())); }
  void advance(std::chrono::milliseconds d) { t_ += d.count(); }

 private:
  std::atomic<long long> t_;
};

}  // namespace starlog::domain
