#include "store/memory_event_store.h"

#include <algorithm>
#include <tuple>

#include "domain/event_types.h"
#include "domain/event_validation.h"
#include "domain/fact.h"
#include "domain/hash_chain.h"
#include "store/append_plan.h"

namespace starlog::store {

using domain::Event;

// The log as the append plan sees it. REQUIRES: the store's mutex held.
class MemoryEventStore::Log final : public AppendLog {
 public:
  explicit Log(const MemoryEventStore& s) : s_(s) {}
  std::int64_t stream_version(std::string_view stream) override { return s_.version_of(stream); }
  std::vector<Event> fact_events(std::string_view fact_id) override {
    return s_.fact_events(fact_id);
  }
  std::optional<std::string> event_type(std::string_view id) override {
    const auto it = s_.by_id_.find(id);
    if (it == s_.by_id_.end()) return std::nullopt;
    return s_.log_[it->second].type;
  }
  Result<std::optional<StoredId>> stored(std::string_view id) override {
    const auto it = s_.by_id_.find(id);
    if (it == s_.by_id_.end()) return std::optional<StoredId>();
    const Event& e = s_.log_[it->second];
    return std::optional<StoredId>(
        StoredId{e.stream, e.version, e.position, s_.digests_[it->second], e.hash});
  }
  Result<LogHead> head() override {
    LogHead h;
    if (!s_.log_.empty()) {
      h.position = s_.log_.back().position;
      h.hash = s_.log_.back().hash;
      h.recorded_at_ms = s_.log_.back().recorded_at.time_since_epoch().count();
    }
    return h;
  }
  Status failure() const override { return Status::ok(); }

 private:
  const MemoryEventStore& s_;
};

namespace {

bool is_takedown(const Event& e) {
  return !e.taken_down() && domain::role_of(e.type) == domain::EventRole::takedown;
}

}  // namespace

std::int64_t MemoryEventStore::version_of(std::string_view stream) const {
  const auto it = versions_.find(stream);
  return it == versions_.end() ? 0 : it->second;
}

const Event* MemoryEventStore::takedown_of(std::string_view fact_id) const {
  const auto it = by_fact_.find(fact_id);
  if (it == by_fact_.end()) return nullptr;
  for (std::size_t i : it->second) {
    if (is_takedown(log_[i])) return &log_[i];
  }
  return nullptr;
}

Event MemoryEventStore::resolved(std::size_t index) const {
  Event e = log_[index];
  if (!e.erasure) return e;
  // The takedown that erased it, as the SQLite store joins it on reading.
  if (const Event* t = takedown_of(e.erasure->fact_id)) {
    e.erasure->by = t->id;
    e.erasure->recorded_at = t->recorded_at;
    e.erasure->reason = t->data.value("reason", "");
  } else {
    e.erasure->by.clear();
    e.erasure->recorded_at = {};
    e.erasure->reason.clear();
  }
  return e;
}

std::vector<Event> MemoryEventStore::fact_events(std::string_view fact_id) const {
  std::vector<Event> out;
  const auto it = by_fact_.find(fact_id);
  if (it == by_fact_.end()) return out;
  for (std::size_t i : it->second) out.push_back(resolved(i));
  return out;
}

void MemoryEventStore::write(Event e, const std::string& content_digest) {
  const std::size_t at = log_.size();
  by_id_[e.id] = at;
  versions_[e.stream] = e.version;
  if (const std::string fact = e.fact_id(); !fact.empty()) by_fact_[fact].push_back(at);
  for (const auto& c : domain::participants_given(e)) participant_facts_[c].insert(e.fact_id());
  if (is_takedown(e)) last_takedown_ = e.position;
  digests_.push_back(content_digest);
  log_.push_back(std::move(e));
}

void MemoryEventStore::erase(const std::string& fact_id) {
  const auto it = by_fact_.find(fact_id);
  if (it == by_fact_.end()) return;
  for (std::size_t i : it->second) {
    Event& e = log_[i];
    if (e.taken_down() || is_takedown(e)) continue;
    e.erasure = domain::Erasure{digests_[i], fact_id, {}, {}, {}};
    e.type.clear();
    e.occurred.reset();
    e.data = Json::object();
    e.participants = Json::array();
    e.sources = Json::array();
  }
  for (auto& [celebrity, facts] : participant_facts_) facts.erase(fact_id);
}

Result<AppendResult> MemoryEventStore::append(const AppendRequest& request) {
  if (Status s = precheck_append(request); !s) return s;
  std::int64_t head = 0;
  AppendResult result;
  {
    std::lock_guard lock(mu_);
    Log log(*this);
    auto plan = plan_append(request, log, clock_.now());
    if (!plan.ok()) return plan.status();
    for (std::size_t i = 0; i < plan->events.size(); ++i)
      write(std::move(plan->events[i]), plan->content_digests[i]);
    for (const auto& fact : plan->erased_facts) erase(fact);
    result = std::move(plan->result);
    if (result.created) head = log_.back().position;
  }
  if (head > 0) notify(head);
  return result;
}

Status MemoryEventStore::restore(const std::vector<Event>& events) {
  std::int64_t head = 0;
  {
    std::lock_guard lock(mu_);
    // All or nothing, as the SQLite store's transaction: each event is
    // written once checked (the rules of later ones see it), and the state
    // from before is put back on a refusal.
    auto saved = std::make_tuple(log_, digests_, by_id_, versions_, by_fact_, participant_facts_,
                                 last_takedown_);
    const std::size_t before = log_.size();
    Log log(*this);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      auto stored = log.stored(e.id);
      auto skip = check_restored(e, *log.head(), version_of(e.stream), *stored);
      Status s = skip.ok() ? Status::ok() : skip.status();
      if (s && !*skip) s = check_restored_rules(e, i, log);
      if (!s) {
        std::tie(log_, digests_, by_id_, versions_, by_fact_, participant_facts_, last_takedown_) =
            std::move(saved);
        return s;
      }
      if (*skip) continue;
      write(e, domain::content_digest(e));
      if (is_takedown(e)) erase(e.fact_id());
    }
    if (log_.size() > before) head = log_.back().position;
  }
  if (head > 0) notify(head);
  return Status::ok();
}

Result<std::vector<Event>> MemoryEventStore::read_stream(std::string_view stream,
                                                         std::int64_t from_version,
                                                         std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (std::size_t i = 0; i < log_.size() && out.size() < limit; ++i) {
    if (log_[i].stream == stream && log_[i].version >= from_version) out.push_back(resolved(i));
  }
  return out;
}

Result<std::vector<Event>> MemoryEventStore::read_all(std::int64_t after, std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(after, 0));
       i < log_.size() && out.size() < limit; ++i) {
    out.push_back(resolved(i));
  }
  return out;
}

Result<std::vector<Event>> MemoryEventStore::read_fact(std::string_view fact_id) {
  std::lock_guard lock(mu_);
  return fact_events(fact_id);
}

Result<std::optional<Event>> MemoryEventStore::find_event(std::string_view id) {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::optional<Event>();
  return std::optional<Event>(resolved(it->second));
}

Result<std::vector<StoredEvent>> MemoryEventStore::read_stored(std::int64_t after,
                                                               std::size_t limit) {
  auto events = read_all(after, limit);
  if (!events.ok()) return events.status();
  std::lock_guard lock(mu_);
  std::vector<StoredEvent> out;
  for (auto& e : *events) {
    const std::string digest = digests_[static_cast<std::size_t>(e.position - 1)];
    out.push_back({std::move(e), digest, ""});
  }
  return out;
}

Result<std::vector<Event>> MemoryEventStore::read_celebrity(std::string_view celebrity,
                                                            std::int64_t after, std::int64_t up_to,
                                                            std::size_t limit) {
  std::lock_guard lock(mu_);
  const auto facts = participant_facts_.find(celebrity);
  std::vector<Event> out;
  for (std::size_t i = 0; i < log_.size() && out.size() < limit; ++i) {
    const Event& e = log_[i];
    if (e.position <= after || e.position > up_to) continue;
    const std::string fact = e.fact_id();
    const bool shared =
        facts != participant_facts_.end() && !fact.empty() && facts->second.count(fact) > 0;
    if (e.stream == celebrity || shared) out.push_back(resolved(i));
  }
  return out;
}

Result<std::int64_t> MemoryEventStore::position_at(domain::Millis t) {
  std::lock_guard lock(mu_);
  std::int64_t at = 0;
  for (const auto& e : log_) {
    if (e.recorded_at > t) break;
    at = e.position;
  }
  return at;
}

Result<std::int64_t> MemoryEventStore::last_takedown() {
  std::lock_guard lock(mu_);
  return last_takedown_;
}

std::int64_t MemoryEventStore::head() {
  std::lock_guard lock(mu_);
  return static_cast<std::int64_t>(log_.size());
}

Result<std::int64_t> MemoryEventStore::stream_version(std::string_view stream) {
  std::lock_guard lock(mu_);
  return version_of(stream);
}

void MemoryEventStore::on_commit(std::function<void(std::int64_t head)> listener) {
  auto p = std::make_shared<const std::function<void(std::int64_t)>>(std::move(listener));
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(p));
}

void MemoryEventStore::notify(std::int64_t head) {
  std::vector<std::shared_ptr<const std::function<void(std::int64_t)>>> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) {
    try {
      (*l)(head);
    } catch (...) {
    }
  }
}

}  // namespace starlog::store
