#include "projections/timeline_projection.h"

#include <doctest/doctest.h>

// Queries below are designated initializers naming only the fields that
// matter; GCC 12 warns about the omitted ones although they all have default
// member initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "projections/timeline_reader.h"
#include "store/memory_projection_store.h"

namespace starlog::projections {
namespace {

using domain::Event;

domain::Millis at_ms(std::int64_t ms) { return domain::Millis(std::chrono::milliseconds(ms)); }

// Folds events by hand, one commit each, as the Projector would.
class Fixture {
 public:
  Fixture() : reader(rows, std::string(TimelineProjection::kName)) {}

  Event& add(std::string stream, std::string type, Json data,
             std::optional<std::string> occurred = {}, Json participants = Json::array()) {
    Event e;
    e.position = ++position_;
    e.version = ++versions_[stream];
    e.id = "00000000-0000-7000-8000-" + std::string(12 - std::to_string(e.position).size(), '0') +
           std::to_string(e.position);
    e.stream = std::move(stream);
    e.type = std::move(type);
    e.data = std::move(data);
    e.occurred = std::move(occurred);
    e.participants = std::move(participants);
    e.recorded_at = at_ms(1'700'000'000'000 + e.position * 1000);
    e.recorded_by = "alice";
    events_.push_back(e);
    PendingRows pending(rows, std::string(TimelineProjection::kName));
    REQUIRE(projection.apply(e, pending));
    REQUIRE(rows.commit(TimelineProjection::kName, pending.take(), {e.position, 1}));
    return events_.back();
  }

  Json timeline(TimelineQuery q) {
    auto doc = reader.timeline(q, position_);
    REQUIRE(doc.ok());
    return *doc;
  }
  std::vector<std::string> titles(TimelineQuery q) {
    std::vector<std::string> out;
    const Json doc = timeline(std::move(q));
    for (const auto& e : doc.at("entries")) out.push_back(e.at("title"));
    return out;
  }

  store::MemoryProjectionStore rows;
  TimelineProjection projection;
  TimelineReader reader;

 private:
  std::int64_t position_ = 0;
  std::map<std::string, std::int64_t> versions_;
  std::vector<Event> events_;
};

void register_demo(Fixture& f) {
  f.add("kanye-west", "celebrity_registered",
        {{"name", "Kanye West"}, {"born", "1977-06-08"}, {"aliases", {"Ye"}}});
  f.add("kim-kardashian", "celebrity_registered",
        {{"name", "Kim Kardashian"}, {"born", "1980-10-21"}});
}

TEST_CASE("entries come in timeline order: start, then coarser precision, then position") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "album_released", {{"title", "Late"}}, "2021-08-29");
  f.add("kanye-west", "album_released", {{"title", "Month"}}, "2021-08");
  f.add("kanye-west", "album_released", {{"title", "Day"}}, "2021-08-01");
  f.add("kanye-west", "album_released", {{"title", "Year"}}, "2021");
  f.add("kanye-west", "album_released", {{"title", "Early"}}, "2004-02-10");
  TimelineQuery q{.celebrity = "kanye-west"};
  auto titles = f.titles(q);
  REQUIRE(titles.size() == 5);
  CHECK(titles[0] == "Released the album Early");
  CHECK(titles[1] == "Released the album Year");
  CHECK(titles[2] == "Released the album Month");
  CHECK(titles[3] == "Released the album Day");
  CHECK(titles[4] == "Released the album Late");
  q.descending = true;
  CHECK(f.titles(q).front() == "Released the album Late");
}

TEST_CASE("an entry carries the derived date fields and the owner's age") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");
  auto e = f.timeline({.celebrity = "kanye-west"}).at("entries").at(0);
  CHECK(e.at("precision") == "day");
  CHECK(e.at("start") == "2021-08-29T00:00:00Z");
  CHECK(e.at("end") == "2021-08-30T00:00:00Z");
  CHECK(e.at("display") == "29 August 2021");
  CHECK(e.at("age") == 44);
  CHECK(e.at("status") == "active");
  CHECK(e.at("role") == "subject");
  CHECK(e.at("recorded_by") == "alice");
}

TEST_CASE("a fact with participants shows on each participant's timeline") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "live_event_held",
        {{"name", "Donda listening event"}, {"venue", "Mercedes-Benz Stadium"}}, "2021-07-22",
        Json::array({{{"celebrity", "kim-kardashian"}, {"role", "attendee"}}}));
  auto kim = f.timeline({.celebrity = "kim-kardashian"});
  REQUIRE(kim.at("entries").size() == 1);
  CHECK(kim.at("entries")[0].at("role") == "participant");
  CHECK(kim.at("entries")[0].at("subject") == "kanye-west");
  CHECK(kim.at("entries")[0].at("age") == 40);  // Kim's age, on Kim's timeline
  CHECK(f.timeline({.celebrity = "kim-kardashian", .role = RoleFilter::subject})
            .at("entries")
            .empty());
  auto profile = f.reader.profile("kim-kardashian");
  REQUIRE(profile.ok());
  CHECK(profile->at("fact_count") == 1);
  CHECK(profile->at("first_occurred") == "2021-07-22");
}

TEST_CASE("a correction moves the entry to its new date and between participants") {
  Fixture f;
  register_demo(f);
  f.add("jay-z", "celebrity_registered", {{"name", "Jay-Z"}});
  auto& fact = f.add("kanye-west", "collaboration_made", {{"with", {"jay-z"}}, {"works", {"Otis"}}},
                     "2021-08-29", Json::array({{{"celebrity", "jay-z"}}}));
  const std::string id = fact.id;
  f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");
  f.add("kanye-west", "fact_corrected",
        {{"fact_id", id},
         {"reason", "Otis is on Watch the Throne"},
         {"changes",
          {{"occurred", "2011-08-08"},
           {"data", {{"works", {"Otis"}}}},
           {"participants", {{{"celebrity", "kim-kardashian"}}}}}}});
  auto entries = f.timeline({.celebrity = "kanye-west"}).at("entries");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].at("fact_id") == id);
  CHECK(entries[0].at("occurred") == "2011-08-08");
  CHECK(entries[0].at("status") == "corrected");
  CHECK(entries[0].at("corrections").at(0).at("reason") == "Otis is on Watch the Throne");
  CHECK(f.timeline({.celebrity = "jay-z"}).at("entries").empty());
  CHECK(f.timeline({.celebrity = "kim-kardashian"}).at("entries").size() == 1);
  CHECK(f.reader.profile("jay-z")->at("fact_count") == 0);
  CHECK(f.reader.profile("kanye-west")->at("version") == 4);
}

TEST_CASE("a retracted fact is hidden unless include=retracted") {
  Fixture f;
  register_demo(f);
  auto& fact =
      f.add("kanye-west", "statement_made", {{"quote", "I'm losing my family"}}, "2021-08-29");
  const std::string id = fact.id;
  f.add("kanye-west", "fact_retracted", {{"fact_id", id}, {"reason", "misattributed"}});
  CHECK(f.timeline({.celebrity = "kanye-west"}).at("entries").empty());
  auto all = f.timeline({.celebrity = "kanye-west", .include_retracted = true}).at("entries");
  REQUIRE(all.size() == 1);
  CHECK(all[0].at("status") == "retracted");
  CHECK(all[0].at("retraction").at("reason") == "misattributed");
  CHECK(f.reader.profile("kanye-west")->at("fact_count") == 0);
}

TEST_CASE("filters select by period overlap, type and role") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "album_released", {{"title", "Graduation"}}, "2007-09-11");
  f.add("kanye-west", "live_event_held", {{"name", "Tour"}, {"venue", "Arena"}},
        "2021-07-22/2021-08-05");
  f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");
  auto from = domain::Occurred::parse("2021-08-01");
  auto to = domain::Occurred::parse("2021-08-10");
  REQUIRE(from.ok());
  REQUIRE(to.ok());
  auto titles = f.titles({.celebrity = "kanye-west", .from = from->start(), .to = to->end()});
  REQUIRE(titles.size() == 1);
  CHECK(titles[0].find("Tour") != std::string::npos);
  CHECK(f.titles({.celebrity = "kanye-west", .types = {"album_released"}}).size() == 2);
}

TEST_CASE("to ends the scan where entries start at or after it, in both orders and across pages") {
  Fixture f;
  register_demo(f);
  for (int y = 2001; y <= 2010; ++y)
    f.add("kanye-west", "album_released", {{"title", "A" + std::to_string(y)}}, std::to_string(y));
  // Starts before `to` and lasts past it: in.
  f.add("kanye-west", "live_event_held", {{"name", "Long tour"}, {"venue", "Arena"}},
        "2004-06-01/2008-01-01");
  auto to = domain::Occurred::parse("2005");  // start of 2005: A2005 starts there, so is out
  REQUIRE(to.ok());
  const auto asc = f.titles({.celebrity = "kanye-west", .to = to->start()});
  CHECK(asc == std::vector<std::string>{"Released the album A2001", "Released the album A2002",
                                        "Released the album A2003", "Released the album A2004",
                                        "Held Long tour at Arena"});
  TimelineQuery q{.celebrity = "kanye-west", .to = to->start(), .descending = true, .limit = 2};
  std::vector<std::string> desc;
  for (int pages = 0; pages < 10; ++pages) {
    const Json page = f.timeline(q);
    for (const auto& e : page.at("entries")) desc.push_back(e.at("title"));
    if (!page.at("next_cursor").is_string()) break;
    q.cursor = keys::decode_cursor(page.at("next_cursor").get<std::string>());
  }
  CHECK(desc == std::vector<std::string>(asc.rbegin(), asc.rend()));
  auto early = domain::Occurred::parse("1990");
  REQUIRE(early.ok());
  CHECK(f.titles({.celebrity = "kanye-west", .to = early->start()}).empty());
}

TEST_CASE("pagination by cursor is stable while events are appended") {
  Fixture f;
  register_demo(f);
  for (int y = 2001; y <= 2010; ++y)
    f.add("kanye-west", "album_released", {{"title", "A" + std::to_string(y)}}, std::to_string(y));
  TimelineQuery q{.celebrity = "kanye-west", .limit = 4};
  auto page1 = f.timeline(q);
  REQUIRE(page1.at("entries").size() == 4);
  REQUIRE(page1.at("next_cursor").is_string());
  // An append earlier in time must not shift the next page.
  f.add("kanye-west", "album_released", {{"title", "A1999"}}, "1999");
  q.cursor = keys::decode_cursor(page1.at("next_cursor").get<std::string>());
  REQUIRE(q.cursor);
  auto page2 = f.timeline(q);
  REQUIRE(page2.at("entries").size() == 4);
  CHECK(page2.at("entries")[0].at("title") == "Released the album A2005");
  q.cursor = keys::decode_cursor(page2.at("next_cursor").get<std::string>());
  auto page3 = f.timeline(q);
  CHECK(page3.at("entries").size() == 2);
  CHECK(page3.at("next_cursor").is_null());
}

TEST_CASE("the directory matches a prefix of any word of name or alias, case-insensitively") {
  Fixture f;
  register_demo(f);
  auto find = [&](std::string q) {
    auto doc = f.reader.directory({.q = q});
    REQUIRE(doc.ok());
    std::vector<std::string> ids;
    for (const auto& i : doc->at("items")) ids.push_back(i.at("id"));
    return ids;
  };
  CHECK(find("kar") == std::vector<std::string>{"kim-kardashian"});
  CHECK(find("YE") == std::vector<std::string>{"kanye-west"});
  CHECK(find("k").size() == 2);
  CHECK(find("west") == std::vector<std::string>{"kanye-west"});
  CHECK(find("zzz").empty());
}

TEST_CASE("the directory pages by cursor") {
  Fixture f;
  for (int i = 0; i < 5; ++i)
    f.add("celeb-" + std::to_string(i), "celebrity_registered",
          {{"name", "Celeb " + std::to_string(i)}});
  auto page = f.reader.directory({.limit = 2});
  REQUIRE(page.ok());
  CHECK(page->at("items").size() == 2);
  auto after = keys::decode_opaque(page->at("next_cursor").get<std::string>());
  REQUIRE(after);
  auto page2 = f.reader.directory({.limit = 10, .after = after});
  REQUIRE(page2.ok());
  CHECK(page2->at("items").size() == 3);
  CHECK(page2->at("next_cursor").is_null());
}

TEST_CASE("an unknown celebrity is not_found") {
  Fixture f;
  CHECK(f.reader.timeline({.celebrity = "nobody"}, 0).status().code() == Code::not_found);
  CHECK(f.reader.profile("nobody").status().code() == Code::not_found);
}

TEST_CASE("ages follow a corrected born") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");
  f.add("kanye-west", "celebrity_updated", {{"born", "1978-06-08"}});
  CHECK(f.timeline({.celebrity = "kanye-west"}).at("entries").at(0).at("age") == 43);
}

TEST_CASE("cursors round-trip and reject garbage") {
  auto c = keys::encode_cursor(keys::sort_part(at_ms(0), domain::Precision::day, 7), true);
  auto d = keys::decode_cursor(c);
  REQUIRE(d);
  CHECK(d->descending);
  CHECK_FALSE(keys::decode_cursor("not a cursor"));
  CHECK_FALSE(keys::decode_cursor(""));
  CHECK_FALSE(keys::decode_cursor(keys::encode_opaque("x")));
}

TEST_CASE("a profile update changes only the fields it sends and keeps the fact count") {
  Fixture f;
  register_demo(f);
  f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");
  f.add("kanye-west", "celebrity_updated", {{"name", "Ye"}, {"aliases", {"Kanye West", "Yeezy"}}});
  auto p = f.reader.profile("kanye-west");
  REQUIRE(p.ok());
  CHECK(p->at("name") == "Ye");
  CHECK(p->at("aliases") == Json{"Kanye West", "Yeezy"});
  CHECK(p->at("born") == "1977-06-08");
  CHECK(p->at("fact_count") == 1);
  CHECK(p->at("version") == 3);
  CHECK(f.timeline({.celebrity = "kanye-west"}).at("celebrity").at("name") == "Ye");
  auto found = f.reader.directory({.q = "yeez"});
  REQUIRE(found.ok());
  REQUIRE(found->at("items").size() == 1);
  CHECK(found->at("items")[0].at("name") == "Ye");
}

TEST_CASE("an amendment the fold refuses (a restored log without the rules) changes nothing") {
  Fixture f;
  register_demo(f);
  const std::string fact =
      f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29").id;
  f.add("kanye-west", "fact_retracted", {{"fact_id", fact}, {"reason", "never happened"}});
  f.add("kanye-west", "fact_corrected",
        {{"fact_id", fact}, {"reason", "late"}, {"changes", {{"occurred", "2020"}}}});
  const Json doc = f.timeline({.celebrity = "kanye-west", .include_retracted = true});
  REQUIRE(doc.at("entries").size() == 1);
  CHECK(doc.at("entries")[0].at("status") == "retracted");
  CHECK(doc.at("entries")[0].at("occurred") == "2021-08-29");
  CHECK(doc.at("entries")[0].at("corrections").empty());
}

std::int64_t revision(Fixture& f, std::string_view celebrity) {
  auto r = f.reader.revision(celebrity);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return **r;
}

TEST_CASE("a celebrity's revision is the position of the last event that changed its rows") {
  Fixture f;
  register_demo(f);  // positions 1 (kanye-west) and 2 (kim-kardashian)
  f.add("jay-z", "celebrity_registered", {{"name", "Jay-Z"}});  // 3
  CHECK(revision(f, "kanye-west") == 1);
  CHECK(revision(f, "kim-kardashian") == 2);
  auto r = f.reader.revision("nobody");
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());

  SUBCASE("an event of a stream moves its revision, not others'") {
    f.add("kanye-west", "album_released", {{"title", "Donda"}}, "2021-08-29");  // 4
    CHECK(revision(f, "kanye-west") == 4);
    CHECK(revision(f, "kim-kardashian") == 2);
  }
  SUBCASE("a fact moves each participant's revision") {
    f.add("kanye-west", "live_event_held", {{"name", "Listening"}, {"venue", "Stadium"}},
          "2021-07-22", Json::array({{{"celebrity", "kim-kardashian"}}}));  // 4
    CHECK(revision(f, "kanye-west") == 4);
    CHECK(revision(f, "kim-kardashian") == 4);
    CHECK(revision(f, "jay-z") == 3);
  }
  SUBCASE("a correction moves old and new participants, a retraction every one") {
    const std::string id = f.add("kanye-west", "collaboration_made", {{"with", {"jay-z"}}},
                                 "2021-08-29", Json::array({{{"celebrity", "jay-z"}}}))
                               .id;  // 4
    CHECK(revision(f, "jay-z") == 4);
    f.add("kanye-west", "fact_corrected",
          {{"fact_id", id},
           {"reason", "it was Kim"},
           {"changes", {{"participants", {{{"celebrity", "kim-kardashian"}}}}}}});  // 5
    CHECK(revision(f, "jay-z") == 5);
    CHECK(revision(f, "kim-kardashian") == 5);
    CHECK(revision(f, "kanye-west") == 5);
    f.add("kanye-west", "fact_retracted", {{"fact_id", id}, {"reason", "wrong"}});  // 6
    CHECK(revision(f, "kim-kardashian") == 6);
    CHECK(revision(f, "jay-z") == 5);
  }
  SUBCASE("a profile update moves only that celebrity") {
    f.add("kim-kardashian", "celebrity_updated", {{"aliases", {"Kim K"}}});  // 4
    CHECK(revision(f, "kim-kardashian") == 4);
    CHECK(revision(f, "kanye-west") == 1);
  }
}

}  // namespace
}  // namespace starlog::projections
