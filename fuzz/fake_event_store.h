// An in-memory EventStore for the HTTP fuzz target: the same decisions as
// the SQLite store (idempotency, expected version, the domain's append
// rules, gap-free positions and versions, the hash chain) without a file, so
// that each fuzz input starts from a fresh, deterministic store.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "domain/append_rules.h"
#include "domain/hash_chain.h"
#include "store/event_store.h"

namespace starlog::fuzz {

class FakeEventStore final : public store::EventStore {
 public:
  Result<store::AppendResult> append(const store::AppendRequest& r) override {
    store::AppendResult retry;
    retry.created = false;
    std::size_t stored = 0;
    for (const auto& n : r.events) {
      const auto it = by_id_.find(n.id);
      if (it == by_id_.end()) continue;
      const domain::Event& e = log_[it->second];
      if (e.stream != r.stream || e.type != n.type || e.data != n.data)
        return Status::duplicate_id("event id stored with other content");
      ++stored;
      retry.events.push_back({e.id, e.version, e.position});
      retry.stream_version = std::max(retry.stream_version, e.version);
    }
    if (stored == r.events.size()) return retry;
    if (stored > 0) return Status::duplicate_id("only some ids stored");
    const std::int64_t version = version_of(r.stream);
    if (r.expected.kind == store::Expected::Kind::no_stream && version != 0)
      return Status::precondition_failed("exists", -1, version);
    if (r.expected.kind == store::Expected::Kind::exact && version != r.expected.version)
      return Status::precondition_failed("version", r.expected.version, version);
    View view(*this);
    if (Status s = domain::check_append_rules(r.stream, version, r.events, r.is_batch, view); !s)
      return s;
    store::AppendResult out;
    std::string previous = log_.empty() ? domain::genesis_hash() : log_.back().hash;
    for (std::size_t i = 0; i < r.events.size(); ++i) {
      const auto& n = r.events[i];
      domain::Event e;
      e.id = n.id;
      e.stream = r.stream;
      e.version = version + static_cast<std::int64_t>(i) + 1;
      e.position = static_cast<std::int64_t>(log_.size()) + 1;
      e.type = n.type;
      e.occurred = n.occurred;
      e.data = n.data;
      e.participants = n.participants;
      e.sources = n.sources;
      e.recorded_at = domain::Millis(std::chrono::milliseconds(1700000000000));
      e.recorded_by = r.recorded_by;
      e.hash = domain::chain_hash(previous, e);
      previous = e.hash;
      by_id_[e.id] = log_.size();
      versions_[e.stream] = e.version;
      out.events.push_back({e.id, e.version, e.position});
      out.stream_version = e.version;
      log_.push_back(std::move(e));
    }
    return out;
  }
  Status restore(const std::vector<domain::Event>&) override {
    return Status::io_error("not supported by the fake");
  }
  Result<std::vector<domain::Event>> read_stream(std::string_view stream, std::int64_t from,
                                                 std::size_t limit) override {
    std::vector<domain::Event> out;
    for (const auto& e : log_)
      if (e.stream == stream && e.version >= from && out.size() < limit) out.push_back(e);
    return out;
  }
  Result<std::vector<domain::Event>> read_all(std::int64_t after, std::size_t limit) override {
    std::vector<domain::Event> out;
    for (const auto& e : log_)
      if (e.position > after && out.size() < limit) out.push_back(e);
    return out;
  }
  Result<std::vector<domain::Event>> read_fact(std::string_view fact_id) override {
    return fact_events(fact_id);
  }
  Result<std::vector<store::StoredEvent>> read_stored(std::int64_t after,
                                                      std::size_t limit) override {
    std::vector<store::StoredEvent> out;
    for (const auto& e : log_)
      if (e.position > after && out.size() < limit)
        out.push_back({e, domain::content_digest(e), ""});
    return out;
  }
  Result<std::vector<domain::Event>> read_celebrity(std::string_view celebrity, std::int64_t after,
                                                    std::int64_t up_to,
                                                    std::size_t limit) override {
    // Facts the celebrity was ever a participant of, then their events and
    // the stream's, as the SQLite store's index query returns them.
    std::set<std::string> facts;
    for (const auto& e : log_) {
      for (const auto& p : e.participants)
        if (p.is_object() && p.value("celebrity", "") == celebrity) facts.insert(e.fact_id());
      if (e.data.is_object() && e.data.contains("changes") && e.data["changes"].is_object() &&
          e.data["changes"].contains("participants") &&
          e.data["changes"]["participants"].is_array()) {
        for (const auto& p : e.data["changes"]["participants"])
          if (p.is_object() && p.value("celebrity", "") == celebrity) facts.insert(e.fact_id());
      }
    }
    std::vector<domain::Event> out;
    for (const auto& e : log_) {
      if (e.position <= after || e.position > up_to || out.size() >= limit) continue;
      if (e.stream == celebrity || facts.count(e.fact_id())) out.push_back(e);
    }
    return out;
  }
  Result<std::int64_t> position_at(domain::Millis t) override {
    std::int64_t at = 0;
    for (const auto& e : log_)
      if (e.recorded_at <= t) at = e.position;
    return at;
  }
  Result<std::optional<domain::Event>> find_event(std::string_view id) override {
    const auto it = by_id_.find(std::string(id));
    if (it == by_id_.end()) return std::optional<domain::Event>();
    return std::optional<domain::Event>(log_[it->second]);
  }
  std::int64_t head() override { return static_cast<std::int64_t>(log_.size()); }
  Result<std::int64_t> stream_version(std::string_view stream) override {
    return version_of(stream);
  }
  void on_commit(std::function<void(std::int64_t)>) override {}
  Result<std::int64_t> last_takedown() override {
    std::int64_t last = 0;
    for (const auto& e : log_)
      if (e.type == "content_taken_down") last = e.position;
    return last;
  }

 private:
  // The log as the domain's append rules see it.
  class View final : public domain::LogView {
   public:
    explicit View(FakeEventStore& s) : s_(s) {}
    std::int64_t stream_version(std::string_view stream) override { return s_.version_of(stream); }
    std::vector<domain::Event> fact_events(std::string_view fact_id) override {
      return s_.fact_events(fact_id);
    }
    std::optional<std::string> event_type(std::string_view id) override {
      const auto it = s_.by_id_.find(std::string(id));
      if (it == s_.by_id_.end()) return std::nullopt;
      return s_.log_[it->second].type;
    }

   private:
    FakeEventStore& s_;
  };

  std::int64_t version_of(std::string_view stream) const {
    const auto it = versions_.find(std::string(stream));
    return it == versions_.end() ? 0 : it->second;
  }
  std::vector<domain::Event> fact_events(std::string_view fact_id) const {
    std::vector<domain::Event> out;
    for (const auto& e : log_)
      if (e.fact_id() == fact_id) out.push_back(e);
    return out;
  }

  std::vector<domain::Event> log_;
  std::map<std::string, std::size_t> by_id_;
  std::map<std::string, std::int64_t> versions_;
};

}  // namespace starlog::fuzz
