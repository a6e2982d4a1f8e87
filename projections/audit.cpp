#include "projections/audit.h"

#include <future>

#include "domain/hash_chain.h"
#include "projections/digest.h"

namespace starlog::projections {

Result<ChainReport> check_chain(store::EventStore& log) {
  domain::ChainVerifier verifier;
  std::int64_t after = 0;
  for (;;) {
    auto page = log.read_stored(after, 1000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const auto& row : *page) {
      if (!row.damaged.empty())
        verifier.damaged(row.event, row.damaged);
      else
        verifier.check(row.event, row.content_digest);
    }
    after = page->back().event.position;
  }
  ChainReport r;
  r.events = verifier.events();
  r.head_hash = verifier.head_hash();
  r.first_bad_position = verifier.first_bad_position();
  r.problem = verifier.first_problem();
  r.bad_links = verifier.bad_links();
  return r;
}

Result<Json> verify(store::EventStore& log, store::ProjectionStore& rows,
                    const std::vector<Projector*>& projections) {
  // The chain and the replays read the log independently: the chain is
  // checked on a thread of its own while the projections are replayed.
  auto chain_check = std::async(std::launch::async, [&log] { return check_chain(log); });
  Json checks = Json::array();
  bool verified = true;
  for (Projector* p : projections) {
    auto live = digest(rows, p->store_name(), p->projection());
    if (!live.ok()) return live.status();
    // A log damaged badly enough may not replay at all: that is a finding
    // of the audit, not a failure of it.
    auto replay = replay_digest(log, p->projection(), live->position);
    const bool match = replay.ok() && live->hex == replay->hex;
    verified = verified && match;
    Json check = {{"name", p->name()},
                  {"position", live->position},
                  {"rows", live->rows},
                  {"code_version", live->code_version},
                  {"live_digest", live->hex},
                  {"replay_digest", replay.ok() ? Json(replay->hex) : Json(nullptr)},
                  {"match", match}};
    if (!replay.ok()) check["replay_problem"] = replay.status().message();
    checks.push_back(std::move(check));
  }
  auto chain = chain_check.get();
  if (!chain.ok()) return chain.status();
  verified = verified && chain->ok();
  return Json{{"events", chain->events},
              {"head_hash", chain->head_hash},
              {"chain", chain->ok() ? "ok" : "broken"},
              {"first_bad_position",
               chain->first_bad_position ? Json(*chain->first_bad_position) : Json(nullptr)},
              {"problem", chain->ok() ? Json(nullptr) : Json(chain->problem)},
              {"projections", std::move(checks)},
              {"verified", verified}};
}

}  // namespace starlog::projections
