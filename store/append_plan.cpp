#include "store/append_plan.h"

#include <algorithm>
#include <unordered_set>

#include "domain/event_types.h"
#include "domain/event_validation.h"

namespace starlog::store {

using domain::Event;

Status precheck_append(const AppendRequest& request) {
  if (!domain::is_valid_slug(request.stream))
    return Status::invalid("'" + request.stream + "' is not a celebrity id");
  if (request.events.empty())
    return Status::invalid("an append needs at least one event",
                           {{"", "at least one event is required"}});
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (!seen.insert(request.events[i].id).second) {
      const std::string at =
          request.is_batch ? "/" + std::to_string(i) + "/id" : std::string("/id");
      return Status::invalid("event id " + request.events[i].id + " appears twice in the batch",
                             {{at, "duplicate event id in the batch"}});
    }
  }
  return Status::ok();
}

bool is_refusal(const Status& s) {
  switch (s.code()) {
    case Code::malformed:
    case Code::invalid:
    case Code::not_found:
    case Code::conflict:
    case Code::duplicate_id:
    case Code::precondition_failed:
      return true;
    default:
      return false;
  }
}

Result<AppendPlan> plan_append(const AppendRequest& request, AppendLog& log, domain::Millis now) {
  const auto& batch = request.events;
  AppendPlan plan;
  plan.content_digests.reserve(batch.size());
  for (const auto& e : batch) plan.content_digests.push_back(domain::content_digest(e));

  // 1. Idempotency, before the expected version: a retry whose first attempt
  // was stored gets the original answer even though its If-Match is stale.
  AppendResult retry;
  retry.created = false;
  std::size_t stored = 0;
  std::string first_stored;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto s = log.stored(batch[i].id);
    if (!s.ok()) return s.status();
    if (!*s) continue;
    if ((*s)->stream != request.stream)
      return Status::duplicate_id("event id " + batch[i].id +
                                  " is already stored in another stream");
    if ((*s)->content_digest != plan.content_digests[i])
      return Status::duplicate_id("event id " + batch[i].id +
                                  " is already stored with other content");
    if (stored++ == 0) first_stored = batch[i].id;
    retry.events.push_back({batch[i].id, (*s)->version, (*s)->position});
    retry.stream_version = std::max(retry.stream_version, (*s)->version);
  }
  if (stored == batch.size()) {
    plan.result = std::move(retry);
    plan.content_digests.clear();
    return plan;  // nothing to write
  }
  if (stored > 0)
    return Status::duplicate_id("event id " + first_stored +
                                " is already stored, but not every event of this request is; a "
                                "retry must resend exactly the stored request");

  // 2. The expected version.
  const std::int64_t version = log.stream_version(request.stream);
  if (Status s = log.failure(); !s) return s;
  switch (request.expected.kind) {
    case Expected::Kind::any:
      break;
    case Expected::Kind::no_stream:
      if (version != 0)
        return Status::precondition_failed("stream " + request.stream + " already exists", -1,
                                           version);
      break;
    case Expected::Kind::exact:
      if (version != request.expected.version)
        return Status::precondition_failed("stream " + request.stream + " is at version " +
                                               std::to_string(version) + ", not " +
                                               std::to_string(request.expected.version),
                                           request.expected.version, version);
      break;
  }

  // 3. The rules that need the stored log.
  Status rules = domain::check_append_rules(request.stream, version, batch, request.is_batch, log);
  if (Status s = log.failure(); !s) return s;
  if (!rules) return rules;

  // 4. Assign.
  auto head = log.head();
  if (!head.ok()) return head.status();
  const std::int64_t now_ms = std::max(now.time_since_epoch().count(), head->recorded_at_ms);
  plan.result.created = true;
  std::string previous = head->hash;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& n = batch[i];
    Event e;
    e.id = n.id;
    e.stream = request.stream;
    e.version = version + static_cast<std::int64_t>(i) + 1;
    e.position = head->position + static_cast<std::int64_t>(i) + 1;
    e.type = n.type;
    e.occurred = n.occurred;
    e.data = n.data;
    e.participants = n.participants;
    e.sources = n.sources;
    e.recorded_at = domain::Millis(std::chrono::milliseconds(now_ms));
    e.recorded_by = request.recorded_by;
    e.hash = domain::chain_hash(previous, e, plan.content_digests[i]);
    previous = e.hash;
    if (domain::role_of(e.type) == domain::EventRole::takedown) {
      plan.erased_facts.push_back(e.fact_id());
      plan.result.erased = true;
    }
    plan.result.events.push_back({e.id, e.version, e.position});
    plan.events.push_back(std::move(e));
  }
  plan.result.stream_version = plan.result.events.back().version;
  return plan;
}

Result<bool> check_restored(const Event& e, const LogHead& head, std::int64_t stream_version,
                            const std::optional<StoredId>& stored) {
  const std::string at = "restore refused at position " + std::to_string(e.position) + ": ";
  if (stored) {
    if (stored->position == e.position && stored->hash == e.hash) return true;  // already there
    return Status::corrupt(at + "event " + e.id + " is already stored at position " +
                           std::to_string(stored->position) + " with another hash");
  }
  if (e.position != head.position + 1)
    return Status::corrupt(at + "the log continues at position " +
                           std::to_string(head.position + 1));
  if (e.version != stream_version + 1)
    return Status::corrupt(at + "stream " + e.stream + " continues at version " +
                           std::to_string(stream_version + 1) + ", not " +
                           std::to_string(e.version));
  // Recorded time only grows along the log (as_of T must be a prefix).
  if (e.recorded_at.time_since_epoch().count() < head.recorded_at_ms)
    return Status::corrupt(at + "recorded_at is earlier than the previous event's");
  if (domain::chain_hash(head.hash, e, domain::content_digest(e)) != e.hash)
    return Status::corrupt(at + "the hash does not chain from position " +
                           std::to_string(head.position));
  return false;
}

Status check_restored_rules(const Event& e, std::size_t index, domain::LogView& log) {
  if (e.taken_down()) return Status::ok();
  const std::string at = "/" + std::to_string(index);
  const std::string refused = "restore refused at position " + std::to_string(e.position) +
                              ": event " + e.id + " breaks an append rule";
  if (domain::role_of(e.type) == domain::EventRole::takedown) {
    const auto history = log.fact_events(e.fact_id());
    if (!history.empty() && history.front().taken_down() &&
        (history.front().erasure->by.empty() || history.front().erasure->by == e.id)) {
      if (history.front().stream == e.stream) return Status::ok();
      return Status::invalid(refused,
                             {{at + "/data/fact_id",
                               "event " + e.fact_id() + " is not a fact of stream " + e.stream}});
    }
  }
  Status s =
      domain::check_append_rules(e.stream, e.version - 1, {domain::as_new_event(e)}, false, log);
  if (s) return s;
  std::vector<FieldError> errors;
  for (const auto& f : s.errors()) errors.push_back({at + f.pointer, f.message});
  if (errors.empty()) errors.push_back({at, s.message()});
  return Status::invalid(refused, std::move(errors));
}

}  // namespace starlog::store
