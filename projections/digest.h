// Projection digests (docs/audit.md#2-verify): a fingerprint of a read model's rows,
// so that a live projection and a replay of the log can be compared.
//
//   digest = SHA-256 over the rows in ascending key order (bytewise), each
//            row written as  u64be(len key) || key || u64be(len value) || value
//            (every row the projection digests: Projection::digested)
//
// The length prefixes make the encoding unambiguous: no two different row
// sets give the same bytes. The digest says nothing of the checkpoint; it is
// reported beside the position its rows reflect, and two digests are only
// comparable at the same position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "projections/projection.h"
#include "store/event_store.h"
#include "store/projection_store.h"

namespace starlog::projections {

struct ProjectionDigest {
  std::int64_t position = 0;      // the log position the rows reflect
  std::int64_t code_version = 0;  // of the code that wrote them (0: no checkpoint)
  std::int64_t rows = 0;
  std::string hex;  // lower-case SHA-256
};

// The digest of the rows stored under `name`, with the checkpoint of the
// same snapshot.
// `rows` counts the rows digested.
Result<ProjectionDigest> digest(store::ProjectionStore& rows, std::string_view name,
                                const Projection& projection);
// The same over every row, whatever a projection would leave out.
Result<ProjectionDigest> digest(store::ProjectionStore& rows, std::string_view name);

// Folds the log's events 1..position with `projection` into a fresh
// store::ScratchProjectionStore (a temporary SQLite file, deleted on return:
// memory stays bounded by its page cache however long the log) and digests
// the result: what the projection's rows must be at `position`. corrupt
// when the log ends before `position`; io_error when the temporary file
// cannot be created or written (e.g. its directory is full).
Result<ProjectionDigest> replay_digest(store::EventStore& log, Projection& projection,
                                       std::int64_t position);

}  // namespace starlog::projections
