#include "projections/projector.h"

#include <doctest/doctest.h>

#include "projections/digest.h"
#include "projections/test_log.h"

namespace starlog::projections {
namespace {

using testing::Store;

TEST_CASE(
    "a batch written in slices gives the rows of one commit, and the checkpoint only at its end") {
  Store s;
  s.register_celebrity("ann", "Ann");
  s.register_celebrity("bob", "Bob");
  for (int i = 0; i < 40; ++i) s.fact(i % 2 ? "ann" : "bob", "Album " + std::to_string(i), "2001");
  // Every commit made while folding, as the store sees it.
  struct Recorder final : store::ProjectionStore {
    store::ProjectionStore& inner;
    std::vector<store::Checkpoint> commits;
    explicit Recorder(store::ProjectionStore& s) : inner(s) {}
    Result<store::Checkpoint> checkpoint(std::string_view p) override {
      return inner.checkpoint(p);
    }
    Status commit(std::string_view p, const std::vector<store::KvWrite>& w,
                  store::Checkpoint c) override {
      commits.push_back(c);
      return inner.commit(p, w, c);
    }
    Result<std::optional<std::string>> get(std::string_view p, std::string_view k) override {
      return inner.get(p, k);
    }
    Status scan(std::string_view p, std::string_view lo, std::string_view hi, bool rev,
                const std::function<bool(std::string_view, std::string_view)>& v) override {
      return inner.scan(p, lo, hi, rev, v);
    }
    Result<store::Checkpoint> scan_all(
        std::string_view p,
        const std::function<void(std::string_view, std::string_view)>& v) override {
      return inner.scan_all(p, v);
    }
    Status drop(std::string_view p) override { return inner.drop(p); }
    Status rename(std::string_view f, std::string_view t) override { return inner.rename(f, t); }
  } recorder(*s.rows);
  Projector sliced(*s.log, recorder, s.projection, "timeline-sliced", {1000, 64u << 20, 7});
  REQUIRE(sliced.catch_up().ok());
  CHECK(sliced.position() == s.log->head());
  REQUIRE(recorder.commits.size() > 2);
  for (std::size_t i = 0; i + 1 < recorder.commits.size(); ++i) {
    CHECK(recorder.commits[i].position == 0);
    CHECK(recorder.commits[i].code_version == Projector::kUnfinished);
  }
  CHECK(recorder.commits.back().position == s.log->head());
  CHECK(recorder.commits.back().code_version == s.projection.code_version());
  CHECK(digest(*s.rows, "timeline-sliced")->hex == digest(*s.rows, "timeline")->hex);
}

}  // namespace
}  // namespace starlog::projections
