#include "domain/append_rules.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "domain/event_validation.h"

using namespace starlog;
using namespace starlog::domain;

namespace {

// The stored log, in memory: what the store's write connection would answer.
class FakeLog final : public LogView {
 public:
  std::int64_t stream_version(std::string_view stream) override {
    ++version_lookups;
    auto it = versions_.find(std::string(stream));
    return it == versions_.end() ? 0 : it->second;
  }
  std::vector<Event> fact_events(std::string_view fact_id) override {
    std::vector<Event> out;
    for (const Event& e : log_) {
      if (e.id == fact_id || e.fact_id() == fact_id) out.push_back(e);
    }
    return out;
  }
  std::optional<std::string> event_type(std::string_view id) override {
    for (const Event& e : log_) {
      if (e.id == id) return e.type;
    }
    return std::nullopt;
  }

  // Erases the content of a fact's events, as a stored takedown does.
  void erase(const std::string& fact_id, const std::string& by) {
    for (Event& e : log_) {
      if (e.fact_id() != fact_id || e.id == by) continue;
      e.erasure = Erasure{"digest", fact_id, by, {}, "court order"};
      e.type.clear();
      e.data = Json::object();
    }
  }

  // Appends a validated event as the store would (no rule checks).
  void store(const std::string& stream, const NewEvent& ne) {
    Event e;
    e.id = ne.id;
    e.stream = stream;
    e.version = ++versions_[stream];
    e.position = static_cast<std::int64_t>(log_.size()) + 1;
    e.type = ne.type;
    e.occurred = ne.occurred;
    e.data = ne.data;
    e.participants = ne.participants;
    e.sources = ne.sources;
    e.recorded_by = "test";
    log_.push_back(std::move(e));
  }
  std::int64_t version(const std::string& stream) { return versions_[stream]; }

  int version_lookups = 0;

 private:
  std::map<std::string, std::int64_t> versions_;
  std::vector<Event> log_;
};

NewEvent make(Json j) {
  auto r = validate_new_event(j, "");
  std::string all;
  for (const auto& e : r.status().errors()) all += e.pointer + ": " + e.message + "\n";
  INFO(all);
  REQUIRE(r.ok());
  return std::move(r).value();
}

NewEvent registered(const std::string& name) {
  return make({{"type", "celebrity_registered"}, {"data", {{"name", name}}}});
}

NewEvent album(const std::string& id, Json participants = Json::array()) {
  return make({{"id", id},
               {"type", "album_released"},
               {"occurred", "2021-08-29"},
               {"data", {{"title", "Donda"}, {"label", "GOOD Music"}}},
               {"participants", std::move(participants)}});
}

NewEvent corrected(const std::string& fact_id, Json changes) {
  return make(
      {{"type", "fact_corrected"},
       {"data", {{"fact_id", fact_id}, {"reason", "fix"}, {"changes", std::move(changes)}}}});
}

NewEvent retracted(const std::string& fact_id) {
  return make({{"type", "fact_retracted"}, {"data", {{"fact_id", fact_id}, {"reason", "untrue"}}}});
}

NewEvent taken_down(const std::string& fact_id, const std::string& id = "") {
  Json j = {{"type", "content_taken_down"},
            {"data", {{"fact_id", fact_id}, {"reason", "court order"}}}};
  if (!id.empty()) j["id"] = id;
  return make(j);
}

const std::string kFact = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";
const std::string kOther = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f01";

// A log with kanye-west (album kFact, featuring jay-z) and jay-z registered.
FakeLog seeded() {
  FakeLog log;
  log.store("kanye-west", registered("Kanye West"));
  log.store("jay-z", registered("Jay-Z"));
  log.store("kanye-west", album(kFact, {{{"celebrity", "jay-z"}}}));
  return log;
}

Status check(FakeLog& log, const std::string& stream, const std::vector<NewEvent>& batch,
             bool is_batch = false) {
  return check_append_rules(stream, log.version(stream), batch, is_batch, log);
}

void check_single_error(const Status& s, std::string_view pointer) {
  std::string all;
  for (const auto& e : s.errors()) all += e.pointer + ": " + e.message + "\n";
  INFO(all);
  REQUIRE(s.code() == Code::invalid);
  REQUIRE(s.errors().size() == 1);
  CHECK(s.errors()[0].pointer == pointer);
  CHECK_FALSE(s.errors()[0].message.empty());
}

}  // namespace

TEST_CASE("a new stream starts with celebrity_registered") {
  FakeLog log;
  CHECK(check(log, "kanye-west", {registered("Kanye West")}).is_ok());
  check_single_error(check(log, "kanye-west", {album(kFact)}), "/type");
  Status s = check(log, "kanye-west", {retracted(kFact)});
  REQUIRE(s.code() == Code::invalid);
  REQUIRE(s.errors().size() == 2);
  CHECK(s.errors()[0].pointer == "/type");
  CHECK(s.errors()[1].pointer == "/data/fact_id");
}

TEST_CASE("celebrity_registered is only the first event of a stream") {
  FakeLog log = seeded();
  check_single_error(check(log, "kanye-west", {registered("Ye")}), "/type");
  SUBCASE("within one batch") {
    FakeLog empty;
    Status s = check(empty, "ye", {registered("Ye"), registered("Ye again")}, true);
    check_single_error(s, "/1/type");
  }
}

TEST_CASE("a batch may register a stream and add to it at once") {
  FakeLog log;
  log.store("jay-z", registered("Jay-Z"));
  CHECK(check(log, "kanye-west",
              {registered("Kanye West"), album(kFact, {{{"celebrity", "jay-z"}}}),
               corrected(kFact, {{"data", {{"label", "Def Jam"}}}})},
              true)
            .is_ok());
}

TEST_CASE("participants must be registered celebrities") {
  FakeLog log = seeded();
  CHECK(check(log, "kanye-west", {album(kOther, {{{"celebrity", "jay-z"}}})}).is_ok());
  check_single_error(check(log, "kanye-west", {album(kOther, {{{"celebrity", "beyonce"}}})}),
                     "/participants/0/celebrity");
  SUBCASE("each unregistered one is reported, with batch pointers") {
    Status s = check(
        log, "kanye-west",
        {album(kOther,
               {{{"celebrity", "jay-z"}}, {{"celebrity", "beyonce"}}, {{"celebrity", "solange"}}})},
        true);
    REQUIRE(s.code() == Code::invalid);
    REQUIRE(s.errors().size() == 2);
    CHECK(s.errors()[0].pointer == "/0/participants/1/celebrity");
    CHECK(s.errors()[1].pointer == "/0/participants/2/celebrity");
  }
  SUBCASE("the store is asked once per celebrity") {
    log.version_lookups = 0;
    std::vector<NewEvent> batch;
    for (int i = 0; i < 10; ++i) {
      std::string id = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f1" + std::to_string(i);
      batch.push_back(album(id, {{{"celebrity", "jay-z"}}}));
    }
    CHECK(check(log, "kanye-west", batch, true).is_ok());
    CHECK(log.version_lookups == 1);
  }
}

TEST_CASE("the subject is not a participant in its own fact") {
  FakeLog log = seeded();
  Status s = check(log, "kanye-west", {album(kOther, {{{"celebrity", "kanye-west"}}})});
  check_single_error(s, "/participants/0/celebrity");
  CHECK(s.errors()[0].message.find("subject") != std::string::npos);
}

TEST_CASE("a correction's new participants must be registered too") {
  FakeLog log = seeded();
  CHECK(check(log, "kanye-west", {corrected(kFact, {{"participants", {{{"celebrity", "jay-z"}}}}})})
            .is_ok());
  Status s =
      check(log, "kanye-west",
            {corrected(kFact,
                       {{"participants", {{{"celebrity", "jay-z"}}, {{"celebrity", "nobody"}}}}})});
  check_single_error(s, "/data/changes/participants/1/celebrity");
  check_single_error(check(log, "kanye-west",
                           {corrected(kFact, {{"participants", {{{"celebrity", "kanye-west"}}}}})}),
                     "/data/changes/participants/0/celebrity");
}

TEST_CASE("an amendment names an existing fact") {
  FakeLog log = seeded();
  check_single_error(check(log, "kanye-west", {retracted(kOther)}), "/data/fact_id");
  check_single_error(check(log, "kanye-west", {corrected(kOther, {{"occurred", "2021"}})}),
                     "/data/fact_id");
}

TEST_CASE("an amendment names a fact of its own stream") {
  FakeLog log = seeded();
  Status s = check(log, "jay-z", {retracted(kFact)});
  check_single_error(s, "/data/fact_id");
  CHECK(s.errors()[0].message.find("kanye-west") != std::string::npos);
}

TEST_CASE("an amendment names a fact, not a profile event or another amendment") {
  FakeLog log;
  NewEvent reg = registered("Kanye West");
  log.store("kanye-west", reg);
  log.store("kanye-west", album(kFact));
  NewEvent fix = corrected(kFact, {{"data", {{"label", "Def Jam"}}}});
  log.store("kanye-west", fix);
  check_single_error(check(log, "kanye-west", {retracted(reg.id)}), "/data/fact_id");
  check_single_error(check(log, "kanye-west", {retracted(fix.id)}), "/data/fact_id");
  CHECK(check(log, "kanye-west", {retracted(kFact)}).is_ok());
}

TEST_CASE("a retracted fact is a conflict, not a validation error") {
  FakeLog log = seeded();
  log.store("kanye-west", retracted(kFact));
  Status s = check(log, "kanye-west", {corrected(kFact, {{"data", {{"label", "Def Jam"}}}})});
  CHECK(s.code() == Code::conflict);
  CHECK(s.errors().empty());
  CHECK(check(log, "kanye-west", {retracted(kFact)}).code() == Code::conflict);
}

TEST_CASE("a correction that would leave the fact invalid is 422 under /data/changes") {
  FakeLog log = seeded();
  check_single_error(check(log, "kanye-west", {corrected(kFact, {{"data", {{"title", nullptr}}}})}),
                     "/data/changes/data/title");
  check_single_error(
      check(log, "kanye-west", {corrected(kFact, {{"occurred", "2021-08-01/2021-08-29"}})}),
      "/data/changes/occurred");
  Status s = check(
      log, "kanye-west",
      {registered("x") /* also wrong */, corrected(kFact, {{"data", {{"genre", "rap"}}}})}, true);
  REQUIRE(s.code() == Code::invalid);
  REQUIRE(s.errors().size() == 2);
  CHECK(s.errors()[0].pointer == "/0/type");
  CHECK(s.errors()[1].pointer == "/1/data/changes/data/genre");
}

TEST_CASE("stored corrections are folded before the new amendment is checked") {
  FakeLog log = seeded();
  log.store("kanye-west", corrected(kFact, {{"data", {{"label", nullptr}}}}));
  // With label gone, removing title leaves nothing valid; the fold must see both.
  check_single_error(check(log, "kanye-west", {corrected(kFact, {{"data", {{"title", nullptr}}}})}),
                     "/data/changes/data/title");
  CHECK(check(log, "kanye-west", {corrected(kFact, {{"data", {{"title", "Donda 2"}}}})}).is_ok());
}

TEST_CASE("earlier events of a batch count as stored for later ones") {
  FakeLog log = seeded();
  SUBCASE("a fact recorded and corrected in one batch") {
    CHECK(check(log, "kanye-west", {album(kOther), corrected(kOther, {{"occurred", "2021-08"}})},
                true)
              .is_ok());
  }
  SUBCASE("a fact retracted earlier in the batch cannot then be corrected") {
    Status s =
        check(log, "kanye-west",
              {retracted(kFact), corrected(kFact, {{"data", {{"label", "Def Jam"}}}})}, true);
    CHECK(s.code() == Code::conflict);
  }
  SUBCASE("a correction earlier in the batch is folded in") {
    Status s = check(log, "kanye-west",
                     {corrected(kFact, {{"data", {{"label", nullptr}}}}),
                      corrected(kFact, {{"data", {{"title", nullptr}}}})},
                     true);
    check_single_error(s, "/1/data/changes/data/title");
  }
  SUBCASE("a fact of the batch belongs to this stream") {
    FakeLog empty;
    empty.store("jay-z", registered("Jay-Z"));
    CHECK(check(empty, "kanye-west", {registered("Kanye West"), album(kOther), retracted(kOther)},
                true)
              .is_ok());
  }
}

TEST_CASE("the first failing event decides between 409 and 422") {
  FakeLog log = seeded();
  log.store("kanye-west", retracted(kFact));
  const NewEvent conflicting = corrected(kFact, {{"data", {{"label", "Def Jam"}}}});
  const NewEvent unregistered_participant = album(kOther, {{{"celebrity", "nobody"}}});
  SUBCASE("conflict first: 409") {
    Status s = check(log, "kanye-west", {conflicting, unregistered_participant}, true);
    CHECK(s.code() == Code::conflict);
  }
  SUBCASE("invalid first: 422 with every 422 error, the conflict left out") {
    const NewEvent another_bad = make({{"type", "song_released"},
                                       {"occurred", "2021"},
                                       {"data", {{"title", "Jail"}}},
                                       {"participants", {{{"celebrity", "ghost"}}}}});
    Status s = check(log, "kanye-west", {unregistered_participant, conflicting, another_bad}, true);
    REQUIRE(s.code() == Code::invalid);
    REQUIRE(s.errors().size() == 2);
    CHECK(s.errors()[0].pointer == "/0/participants/0/celebrity");
    CHECK(s.errors()[1].pointer == "/2/participants/0/celebrity");
  }
  SUBCASE("within one event the 422 rules come first") {
    Status s = check(log, "kanye-west",
                     {corrected(kFact, {{"participants", {{{"celebrity", "nobody"}}}}})});
    check_single_error(s, "/data/changes/participants/0/celebrity");
  }
}

TEST_CASE("an empty batch breaks no rule") {
  FakeLog log;
  CHECK(check_append_rules("kanye-west", 0, {}, true, log).is_ok());
}

TEST_CASE("a takedown names a fact of its own stream") {
  FakeLog log = seeded();
  CHECK(check(log, "kanye-west", {taken_down(kFact)}).is_ok());
  // Unknown fact, or one of another stream: 422 at the fact_id.
  check_single_error(check(log, "kanye-west", {taken_down(kOther)}), "/data/fact_id");
  check_single_error(check(log, "jay-z", {taken_down(kFact)}), "/data/fact_id");
  // A retracted fact's content is still stored: it can be taken down.
  log.store("kanye-west", retracted(kFact));
  CHECK(check(log, "kanye-west", {taken_down(kFact)}).is_ok());
}

TEST_CASE("a takedown of a correction's id is 422: it records no fact") {
  FakeLog log = seeded();
  NewEvent fix = corrected(kFact, {{"occurred", "2021-08-30"}});
  fix.id = kOther;
  log.store("kanye-west", fix);
  check_single_error(check(log, "kanye-west", {taken_down(kOther)}), "/data/fact_id");
}

TEST_CASE("a fact taken down cannot be taken down again, corrected or retracted: 409") {
  const std::string takedown_id = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f02";
  FakeLog log = seeded();
  log.store("kanye-west", taken_down(kFact, takedown_id));
  log.erase(kFact, takedown_id);
  CHECK(check(log, "kanye-west", {taken_down(kFact)}).code() == Code::conflict);
  CHECK(check(log, "kanye-west", {retracted(kFact)}).code() == Code::conflict);
  CHECK(check(log, "kanye-west", {corrected(kFact, {{"occurred", "2021"}})}).code() ==
        Code::conflict);
  // A takedown of the takedown itself: 409 as well.
  CHECK(check(log, "kanye-west", {taken_down(takedown_id)}).code() == Code::conflict);
}

TEST_CASE("two takedowns of one fact in one batch: the second is 409") {
  FakeLog log = seeded();
  CHECK(check(log, "kanye-west", {taken_down(kFact), taken_down(kFact)}, true).code() ==
        Code::conflict);
}
