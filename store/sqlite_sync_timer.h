// Times every fsync SQLite makes, for the fsync histogram of GET /metrics.
//
// install_sync_timer() registers, as SQLite's default VFS, a thin shim over
// the platform VFS that forwards every call and times xSync (the WAL and
// database fsyncs that synchronous=FULL makes on each commit and
// checkpoint). Connections opened afterwards go through it; it changes no
// behaviour, only measures.
//
// Threads: install once, before opening databases (later calls do nothing);
// sync_stats() may be called from any thread at any time.
#pragma once

#include <array>
#include <cstdint>

namespace starlog::store {

struct SyncStats {
  // Upper bounds of the buckets, in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
  std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // per bucket, not cumulative
  std::uint64_t count = 0;
  double seconds = 0;  // total time spent in fsync
};

// Returns false if SQLite refused the registration (the timer is then off).
bool install_sync_timer();
SyncStats sync_stats();

}  // namespace starlog::store
