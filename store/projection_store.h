// ProjectionStore: durable storage for read models, as ordered key/value
// rows per projection name plus a checkpoint (the last log position folded).
// A projection's rows and its checkpoint are always written in one atomic
// commit, so a crash can never apply an event twice or skip one.
//
// Keys and values are byte strings compared bytewise (memcmp order). A
// projection's digest is SHA-256 over its rows in key order, which makes a
// replay and the live copy comparable byte for byte.
// Thread-safe; commits are serialized.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace starlog::store {

struct KvWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt erases the key
};

struct Checkpoint {
  std::int64_t position = 0;      // last log position folded in
  std::int64_t code_version = 0;  // version of the folding code that wrote the rows
};

class ProjectionStore {
 public:
  virtual ~ProjectionStore() = default;

  // The checkpoint of `projection`; {0,0} when it has never committed.
  virtual Result<Checkpoint> checkpoint(std::string_view projection) = 0;

  // Applies `writes` in order and sets the checkpoint, atomically.
  virtual Status commit(std::string_view projection, const std::vector<KvWrite>& writes,
                        Checkpoint checkpoint) = 0;

  virtual Result<std::optional<std::string>> get(std::string_view projection,
                                                 std::string_view key) = 0;

  // Visits rows with lower <= key < upper (an empty upper means no bound), in
  // ascending key order, or descending when `reverse`, until `visit` returns
  // false.
  virtual Status scan(
      std::string_view projection, std::string_view lower, std::string_view upper, bool reverse,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) = 0;

  // Visits every row of `projection` in ascending key order and returns the
  // checkpoint, all from one consistent snapshot: a commit made meanwhile is
  // seen wholly or not at all. For digests, which must pair rows with the
  // position they reflect. `visit` must not call back into this store.
  virtual Result<Checkpoint> scan_all(
      std::string_view projection,
      const std::function<void(std::string_view key, std::string_view value)>& visit) = 0;

  // Removes every row and the checkpoint of `projection`.
  virtual Status drop(std::string_view projection) = 0;
  // Atomically replaces `to` (rows and checkpoint) with `from`, which is
  // then gone. Used to swap a rebuilt copy in.
  virtual Status rename(std::string_view from, std::string_view to) = 0;

  // Makes sure no byte of rows deleted or replaced so far is left in the
  // store's files (after a takedown's fold removed a fact's rows): the
  // SQLite store deletes what drops and renames left behind now, and empties
  // its WAL (its writer zeroes what it frees: secure_delete). Blocks until
  // done.
  virtual Status purge_erased() { return Status::ok(); }

  // A number that grows once a commit, drop or rename made through this
  // object is visible to reads, or nullopt when the store cannot tell (then
  // readers must not keep what they read). A reader that takes the
  // generation before a read may keep the result while the generation is
  // unchanged. Writes by other processes are not counted. Lock-free.
  virtual std::optional<std::uint64_t> generation() const { return std::nullopt; }
};

}  // namespace starlog::store
