#include "store/sqlite_sync_timer.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>

namespace starlog::store {
namespace {

std::array<std::atomic<std::uint64_t>, SyncStats::kBounds.size() + 1> g_buckets{};
std::atomic<std::uint64_t> g_nanos{0};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;

// Our file: SQLite allocates szOsFile bytes; the real VFS's file follows ours.
struct TimedFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<TimedFile*>(f)->real; }

int x_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  const auto start = std::chrono::steady_clock::now();
  const int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  const double secs = static_cast<double>(nanos) / 1e9;
  const auto& b = SyncStats::kBounds;
  const auto i = static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), secs) - b.begin());
  g_buckets[i].fetch_add(1, std::memory_order_relaxed);
  g_nanos.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
  return rc;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int x_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

// Version 3 methods, for a real file whose methods are version 3 (unix's are);
// an older real file gets methods of its own version, so that SQLite never
// calls through a pointer the real file lacks.
sqlite3_io_methods make_methods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = x_close;
  m.xRead = x_read;
  m.xWrite = x_write;
  m.xTruncate = x_truncate;
  m.xSync = x_sync;
  m.xFileSize = x_file_size;
  m.xLock = x_lock;
  m.xUnlock = x_unlock;
  m.xCheckReservedLock = x_check_reserved;
  m.xFileControl = x_file_control;
  m.xSectorSize = x_sector_size;
  m.xDeviceCharacteristics = x_device_characteristics;
  if (version >= 2) {
    m.xShmMap = x_shm_map;
    m.xShmLock = x_shm_lock;
    m.xShmBarrier = x_shm_barrier;
    m.xShmUnmap = x_shm_unmap;
  }
  if (version >= 3) {
    m.xFetch = x_fetch;
    m.xUnfetch = x_unfetch;
  }
  return m;
}
const sqlite3_io_methods g_methods[4] = {make_methods(1), make_methods(1), make_methods(2),
                                         make_methods(3)};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* tf = reinterpret_cast<TimedFile*>(f);
  tf->real = reinterpret_cast<sqlite3_file*>(tf + 1);
  tf->base.pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, tf->real, flags, out_flags);
  if (rc == SQLITE_OK && tf->real->pMethods) {
    tf->base.pMethods = &g_methods[std::clamp(tf->real->pMethods->iVersion, 1, 3)];
  }
  return rc;
}
int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}

}  // namespace

bool install_sync_timer() {
  static std::once_flag once;
  static bool installed = false;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) return;
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real) return;
    g_vfs = *g_real;  // the calls that take no file are the real VFS's own
    g_vfs.pNext = nullptr;
    g_vfs.zName = "starlog-timed";
    g_vfs.szOsFile = static_cast<int>(sizeof(TimedFile)) + g_real->szOsFile;
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    installed = sqlite3_vfs_register(&g_vfs, /*makeDflt=*/1) == SQLITE_OK;
  });
  return installed;
}

SyncStats sync_stats() {
  SyncStats s;
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    s.buckets[i] = g_buckets[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.seconds = static_cast<double>(g_nanos.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

}  // namespace starlog::store
