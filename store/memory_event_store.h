// MemoryEventStore: the EventStore held in memory, for tests and fuzzing.
// Its decisions are the SQLite store's, made by the same code
// (store/append_plan.h): idempotency, expected versions, the append rules,
// gap-free positions and versions, recorded time that never runs backwards,
// the hash chain, and the lawful erasure of a takedown. The store contract
// tests (store/event_store_contract_test.cpp) run against both.
//
// Nothing is durable; append_all commits each request on its own. Events are
// kept in log order with an index by id, by stream and by fact, and the
// participants index of read_celebrity (every celebrity a fact was ever
// given as a participant, by its recording or a correction; forgotten by a
// takedown), like the SQLite store's fact_participants table.
// Thread-safe (one mutex); on_commit listeners run after the mutex is
// released, on the appending thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "store/event_store.h"

namespace starlog::store {

class MemoryEventStore final : public EventStore {
 public:
  // `clock` (recorded_at) must outlive the store.
  explicit MemoryEventStore(domain::Clock& clock) : clock_(clock) {}

  Result<AppendResult> append(const AppendRequest& request) override;
  Status restore(const std::vector<domain::Event>& events) override;
  Result<std::vector<domain::Event>> read_stream(std::string_view stream, std::int64_t from_version,
                                                 std::size_t limit) override;
  Result<std::vector<domain::Event>> read_all(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_fact(std::string_view fact_id) override;
  Result<std::optional<domain::Event>> find_event(std::string_view id) override;
  Result<std::vector<StoredEvent>> read_stored(std::int64_t after, std::size_t limit) override;
  Result<std::vector<domain::Event>> read_celebrity(std::string_view celebrity, std::int64_t after,
                                                    std::int64_t up_to, std::size_t limit) override;
  Result<std::int64_t> position_at(domain::Millis t) override;
  Result<std::int64_t> last_takedown() override;
  std::int64_t head() override;
  Result<std::int64_t> stream_version(std::string_view stream) override;
  void on_commit(std::function<void(std::int64_t head)> listener) override;

 private:
  class Log;
  // REQUIRES: mu_ held.
  void write(domain::Event e, const std::string& content_digest);
  void erase(const std::string& fact_id);
  std::int64_t version_of(std::string_view stream) const;
  std::vector<domain::Event> fact_events(std::string_view fact_id) const;
  const domain::Event* takedown_of(std::string_view fact_id) const;
  // The event at `index` as read: an erased one with its takedown.
  domain::Event resolved(std::size_t index) const;
  void notify(std::int64_t head);

  domain::Clock& clock_;
  mutable std::mutex mu_;
  std::vector<domain::Event> log_;    // position - 1
  std::vector<std::string> digests_;  // content digests, by position - 1
  std::map<std::string, std::size_t, std::less<>> by_id_;
  std::map<std::string, std::int64_t, std::less<>> versions_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_fact_;
  std::map<std::string, std::set<std::string>, std::less<>>
      participant_facts_;  // celebrity -> facts
  std::int64_t last_takedown_ = 0;

  std::mutex listeners_mu_;
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners_;
};

}  // namespace starlog::store
