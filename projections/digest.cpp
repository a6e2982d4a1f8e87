#include "projections/digest.h"

#include <array>

#include "domain/sha256.h"
#include "projections/projector.h"
#include "store/sqlite_scratch_projection_store.h"

namespace starlog::projections {
namespace {

void length_prefix(domain::Sha256& h, std::size_t n) {
  std::array<char, 8> be{};
  const auto v = static_cast<std::uint64_t>(n);
  for (int i = 0; i < 8; ++i)
    be[static_cast<std::size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
  h.update(std::string_view(be.data(), be.size()));
}

}  // namespace

namespace {
struct EveryRow final : Projection {
  std::string_view name() const override { return {}; }
  std::int64_t code_version() const override { return 0; }
  Status apply(const domain::Event&, PendingRows&) override { return Status::ok(); }
};
}  // namespace

Result<ProjectionDigest> digest(store::ProjectionStore& rows, std::string_view name) {
  static const EveryRow every;
  return digest(rows, name, every);
}

Result<ProjectionDigest> digest(store::ProjectionStore& rows, std::string_view name,
                                const Projection& projection) {
  try {
    domain::Sha256 h;
    std::int64_t count = 0;
    auto cp = rows.scan_all(name, [&](std::string_view key, std::string_view value) {
      if (!projection.digested(key)) return;
      length_prefix(h, key.size());
      h.update(key);
      length_prefix(h, value.size());
      h.update(value);
      ++count;
    });
    if (!cp.ok()) return cp.status();
    return ProjectionDigest{cp->position, cp->code_version, count, h.finish_hex()};
  } catch (const std::exception& ex) {
    return Status::io_error(std::string("projection digest: ") + ex.what());
  }
}

Result<ProjectionDigest> replay_digest(store::EventStore& log, Projection& projection,
                                       std::int64_t position) {
  auto scratch = store::ScratchProjectionStore::open();
  if (!scratch.ok()) return scratch.status();
  // Nobody reads the replay until it is done: bulk commits (Projector::kBulk)
  // hold at most 16 MiB of rows in memory between them.
  Projector replay(log, **scratch, projection, {}, Projector::kBulk);
  auto at = replay.catch_up({}, position);
  if (!at.ok()) return at.status();
  if (*at != position)
    return Status::corrupt("the log ends at position " + std::to_string(*at) + ", before " +
                           std::to_string(position));
  return digest(**scratch, replay.store_name(), projection);
}

}  // namespace starlog::projections
