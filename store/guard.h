// guarded(): the store's edge for exceptions. JSON, hashing and allocation
// may throw; callers of the store only ever see Status values.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "domain/status.h"

namespace starlog::store {

// Runs `f` (returning a Status or a Result<T>), turning an escaping exception
// into Status::io_error naming `who`.
template <class F>
auto guarded(const char* who, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::io_error(std::string(who) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::io_error(std::string(who) + ": " + e.what());
  } catch (...) {
    return Status::io_error(std::string(who) + ": unknown exception");
  }
}

}  // namespace starlog::store
