#include "domain/fact.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

using namespace starlog;
using namespace starlog::domain;
using std::chrono::milliseconds;

namespace {

const char* const kFactId = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";

Millis at_ms(long long ms) { return Millis(milliseconds(ms)); }

Event album_event() {
  Event e;
  e.id = kFactId;
  e.stream = "kanye-west";
  e.version = 2;
  e.position = 17;
  e.type = "album_released";
  e.occurred = "2021-08-29";
  e.data = {{"title", "Donda"}, {"label", "GOOD Music"}, {"tracks", {"Jail", "Hurricane"}}};
  e.participants = {{{"celebrity", "jay-z"}, {"role", "featured artist"}}};
  e.sources = {{{"url", "https://www.thesun.co.uk/"}, {"publisher", "The Sun"}}};
  e.recorded_at = at_ms(1000);
  e.recorded_by = "alice";
  return e;
}

Event correction(const std::string& id, Json changes, std::int64_t position = 20) {
  Event e;
  e.id = id;
  e.stream = "kanye-west";
  e.position = position;
  e.type = "fact_corrected";
  e.data = {
      {"fact_id", kFactId}, {"reason", "the label was wrong"}, {"changes", std::move(changes)}};
  e.recorded_at = at_ms(position * 1000);
  e.recorded_by = "bob";
  return e;
}

Event retraction(const std::string& id, std::int64_t position = 30) {
  Event e;
  e.id = id;
  e.stream = "kanye-west";
  e.position = position;
  e.type = "fact_retracted";
  e.data = {{"fact_id", kFactId}, {"reason", "never happened"}};
  e.recorded_at = at_ms(position * 1000);
  e.recorded_by = "carol";
  return e;
}

bool has_pointer(const std::vector<FieldError>& errors, std::string_view pointer) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.pointer == pointer; });
}

}  // namespace

TEST_CASE("fact_from_event takes the recording event's content and recorded time") {
  const Event e = album_event();
  const Fact f = fact_from_event(e);
  CHECK(f.id == kFactId);
  CHECK(f.subject == "kanye-west");
  CHECK(f.type == "album_released");
  CHECK(f.occurred == "2021-08-29");
  CHECK(f.data == e.data);
  CHECK(f.participants == e.participants);
  CHECK(f.sources == e.sources);
  CHECK(f.position == 17);
  CHECK(f.recorded_at == at_ms(1000));
  CHECK(f.recorded_by == "alice");
  CHECK(f.corrections.empty());
  CHECK_FALSE(f.retraction.has_value());
  CHECK(f.status() == FactStatus::active);
}

TEST_CASE("with_changes replaces occurred, participants and sources") {
  const Fact f = fact_from_event(album_event());
  SUBCASE("occurred") {
    Fact g = with_changes(f, {{"occurred", "2021-08-28"}});
    CHECK(g.occurred == "2021-08-28");
    CHECK(g.data == f.data);
    CHECK(g.participants == f.participants);
  }
  SUBCASE("participants, even to none") {
    Fact g = with_changes(f, {{"participants", Json::array()}});
    CHECK(g.participants == Json::array());
    CHECK(g.occurred == f.occurred);
  }
  SUBCASE("sources") {
    Json s = {{{"url", "https://en.wikipedia.org/wiki/Donda_(album)"}}};
    Fact g = with_changes(f, {{"sources", s}});
    CHECK(g.sources == s);
  }
  SUBCASE("the input is not changed") {
    (void)with_changes(f, {{"occurred", "2020"}, {"data", {{"title", nullptr}}}});
    CHECK(f.occurred == "2021-08-29");
    CHECK(f.data.contains("title"));
  }
}

TEST_CASE("with_changes merges data key by key and a null removes a key") {
  const Fact f = fact_from_event(album_event());
  Fact g = with_changes(f, {{"data", {{"label", nullptr}, {"title", "Donda (Deluxe)"}}}});
  CHECK(g.data == Json{{"title", "Donda (Deluxe)"}, {"tracks", {"Jail", "Hurricane"}}});
  SUBCASE("a list is one value, replaced whole") {
    Fact h = with_changes(f, {{"data", {{"tracks", {"Jail"}}}}});
    CHECK(h.data["tracks"] == Json{"Jail"});
    CHECK(h.data["label"] == "GOOD Music");
  }
  SUBCASE("removing a key that is not there is harmless") {
    Fact h = with_changes(f, {{"data", {{"genre", nullptr}}}});
    CHECK(h.data == f.data);
  }
  SUBCASE("changes that are not an object change nothing") {
    Fact h = with_changes(f, Json::array());
    CHECK(h.data == f.data);
    CHECK(h.occurred == f.occurred);
  }
}

TEST_CASE("validate_fact_content checks a fact as its type under a prefix") {
  Fact f = fact_from_event(album_event());
  CHECK(validate_fact_content(f, "/data/changes").empty());
  f.data.erase("title");
  f.occurred = "2021-07-22/2021-08-05";
  f.participants = {{{"celebrity", "Not A Slug"}}};
  f.sources = {{{"url", "gopher://x"}}};
  auto e = validate_fact_content(f, "/data/changes");
  CHECK(has_pointer(e, "/data/changes/data/title"));
  CHECK(has_pointer(e, "/data/changes/occurred"));
  CHECK(has_pointer(e, "/data/changes/participants/0/celebrity"));
  CHECK(has_pointer(e, "/data/changes/sources/0/url"));
  CHECK(e.size() == 4);
  SUBCASE("a fact always has a date") {
    Fact g = fact_from_event(album_event());
    g.occurred.reset();
    auto ge = validate_fact_content(g, "");
    REQUIRE(ge.size() == 1);
    CHECK(ge[0].pointer == "/occurred");
  }
  SUBCASE("a type that records no fact is not a fact") {
    Fact g = fact_from_event(album_event());
    g.type = "celebrity_registered";
    CHECK_FALSE(validate_fact_content(g, "").empty());
  }
}

TEST_CASE("a correction changes the fact and is recorded as an amendment") {
  Fact f = fact_from_event(album_event());
  const Event c = correction("c1", {{"data", {{"label", "Def Jam"}}}}, 20);
  REQUIRE(apply_amendment(f, c).is_ok());
  CHECK(f.data["label"] == "Def Jam");
  CHECK(f.status() == FactStatus::corrected);
  REQUIRE(f.corrections.size() == 1);
  const Amendment& a = f.corrections[0];
  CHECK(a.event_id == "c1");
  CHECK(a.reason == "the label was wrong");
  CHECK(a.recorded_at == at_ms(20000));
  CHECK(a.recorded_by == "bob");
  CHECK(a.position == 20);
  // The fact keeps its own recorded time and position: valid time is corrected,
  // recorded time is history.
  CHECK(f.position == 17);
  CHECK(f.recorded_by == "alice");
}

TEST_CASE("fact status goes active, corrected, retracted") {
  Fact f = fact_from_event(album_event());
  CHECK(f.status() == FactStatus::active);
  REQUIRE(apply_amendment(f, correction("c1", {{"occurred", "2021-08-30"}}, 20)).is_ok());
  CHECK(f.status() == FactStatus::corrected);
  REQUIRE(apply_amendment(f, correction("c2", {{"occurred", "2021-08-29"}}, 21)).is_ok());
  CHECK(f.status() == FactStatus::corrected);
  CHECK(f.corrections.size() == 2);
  CHECK(f.occurred == "2021-08-29");
  REQUIRE(apply_amendment(f, retraction("r1", 30)).is_ok());
  CHECK(f.status() == FactStatus::retracted);
  REQUIRE(f.retraction.has_value());
  CHECK(f.retraction->event_id == "r1");
  CHECK(f.retraction->reason == "never happened");
  CHECK(f.retraction->recorded_by == "carol");
  CHECK(f.retraction->position == 30);
  CHECK(f.corrections.size() == 2);  // history stays
}

TEST_CASE("an active fact can be retracted directly") {
  Fact f = fact_from_event(album_event());
  REQUIRE(apply_amendment(f, retraction("r1")).is_ok());
  CHECK(f.status() == FactStatus::retracted);
  CHECK(f.corrections.empty());
}

TEST_CASE("a retracted fact cannot be corrected or retracted again") {
  Fact f = fact_from_event(album_event());
  REQUIRE(apply_amendment(f, retraction("r1")).is_ok());
  const Fact before = f;
  SUBCASE("corrected") {
    Status s = apply_amendment(f, correction("c1", {{"data", {{"label", "Def Jam"}}}}));
    CHECK(s.code() == Code::conflict);
    CHECK(s.message().find("r1") != std::string::npos);
  }
  SUBCASE("retracted again") {
    CHECK(apply_amendment(f, retraction("r2")).code() == Code::conflict);
  }
  SUBCASE("even an invalid correction is a conflict first") {
    CHECK(apply_amendment(f, correction("c1", {{"data", {{"title", nullptr}}}})).code() ==
          Code::conflict);
  }
  CHECK(f.data == before.data);
  CHECK(f.retraction->event_id == "r1");
  CHECK(f.corrections.empty());
}

TEST_CASE("a correction that leaves the fact invalid is refused and changes nothing") {
  Fact f = fact_from_event(album_event());
  const Fact before = f;
  SUBCASE("removing a required field") {
    Status s = apply_amendment(f, correction("c1", {{"data", {{"title", nullptr}}}}));
    REQUIRE(s.code() == Code::invalid);
    REQUIRE(s.errors().size() == 1);
    CHECK(s.errors()[0].pointer == "/data/changes/data/title");
  }
  SUBCASE("adding a field the type does not know") {
    Status s = apply_amendment(f, correction("c1", {{"data", {{"genre", "rap"}}}}));
    REQUIRE(s.code() == Code::invalid);
    CHECK(has_pointer(s.errors(), "/data/changes/data/genre"));
  }
  SUBCASE("a value of the wrong type") {
    Status s = apply_amendment(f, correction("c1", {{"data", {{"tracks", "Jail"}}}}));
    REQUIRE(s.code() == Code::invalid);
    CHECK(has_pointer(s.errors(), "/data/changes/data/tracks"));
  }
  SUBCASE("an interval for a type that takes a single date") {
    Status s = apply_amendment(f, correction("c1", {{"occurred", "2021-08-01/2021-08-29"}}));
    REQUIRE(s.code() == Code::invalid);
    CHECK(has_pointer(s.errors(), "/data/changes/occurred"));
  }
  CHECK(f.data == before.data);
  CHECK(f.occurred == before.occurred);
  CHECK(f.corrections.empty());
  CHECK(f.status() == FactStatus::active);
}

TEST_CASE("a live event may be corrected to an interval") {
  Event e = album_event();
  e.type = "live_event_held";
  e.data = {{"name", "Donda listening event"}, {"venue", "Mercedes-Benz Stadium"}};
  Fact f = fact_from_event(e);
  REQUIRE(apply_amendment(f, correction("c1", {{"occurred", "2021-07-22/2021-08-05"}})).is_ok());
  CHECK(f.occurred == "2021-07-22/2021-08-05");
}

TEST_CASE("to_string names each fact status") {
  CHECK(to_string(FactStatus::active) == "active");
  CHECK(to_string(FactStatus::corrected) == "corrected");
  CHECK(to_string(FactStatus::retracted) == "retracted");
}

TEST_CASE("a profile is registered whole and updated field by field") {
  Event reg;
  reg.stream = "kanye-west";
  reg.type = "celebrity_registered";
  reg.data = {{"name", "Kanye West"},
              {"aliases", {"Ye"}},
              {"born", "1977-06-08"},
              {"occupations", {"rapper"}}};
  Profile p;
  apply_profile_event(p, reg);
  CHECK(p.id == "kanye-west");
  CHECK(p.name == "Kanye West");
  CHECK(p.aliases == Json{"Ye"});
  CHECK(p.born == "1977-06-08");
  CHECK(p.occupations == Json{"rapper"});

  Event upd = reg;
  upd.type = "celebrity_updated";
  upd.data = {{"name", "Ye"}};
  apply_profile_event(p, upd);
  CHECK(p.name == "Ye");
  CHECK(p.aliases == Json{"Ye"});
  CHECK(p.born == "1977-06-08");

  upd.data = {{"aliases", {"Kanye West", "Yeezy"}}, {"occupations", Json::array()}};
  apply_profile_event(p, upd);
  CHECK(p.name == "Ye");
  CHECK(p.aliases == Json{"Kanye West", "Yeezy"});
  CHECK(p.occupations == Json::array());

  SUBCASE("a registration without optional fields leaves them empty") {
    Profile q;
    q.aliases = {"stale"};
    q.born = "1900";
    Event minimal = reg;
    minimal.data = {{"name", "North West"}};
    apply_profile_event(q, minimal);
    CHECK(q.name == "North West");
    CHECK(q.aliases == Json::array());
    CHECK_FALSE(q.born.has_value());
  }
  SUBCASE("other event types leave the profile alone") {
    Profile before = p;
    apply_profile_event(p, album_event());
    CHECK(p.name == before.name);
    CHECK(p.aliases == before.aliases);
  }
}
