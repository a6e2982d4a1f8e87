#include "domain/event_types.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "domain/event_validation.h"

using namespace starlog;
using namespace starlog::domain;

namespace {

std::vector<FieldError> check(std::string_view type, const Json& data) {
  const EventType* t = find_event_type(type);
  REQUIRE(t != nullptr);
  std::vector<FieldError> out;
  t->validate_data(data, "/data", out);
  return out;
}

bool has_pointer(const std::vector<FieldError>& errors, std::string_view pointer) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.pointer == pointer; });
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

Json strings(std::size_t n) {
  Json a = Json::array();
  for (std::size_t i = 0; i < n; ++i) a.push_back("item " + std::to_string(i));
  return a;
}

std::string title(std::string_view type, const Json& data) {
  const EventType* t = find_event_type(type);
  REQUIRE(t != nullptr);
  return t->title(data, {});
}

// Registered names of the demo's people; anything else is given back as is.
std::string demo_name(std::string_view id) {
  if (id == "kanye-west") return "Kanye West";
  if (id == "kim-kardashian") return "Kim Kardashian";
  if (id == "jay-z") return "Jay-Z";
  if (id == "north-west") return "North West";
  return std::string(id);
}

// The title on `owner`'s timeline of a fact recorded on `subject`'s stream.
std::string title_for(std::string_view type, const Json& data, std::string_view subject,
                      std::string_view owner) {
  const EventType* t = find_event_type(type);
  REQUIRE(t != nullptr);
  return t->title(data, TitleView{owner, subject, demo_name});
}

}  // namespace

TEST_CASE("the table holds the fourteen event types, each once") {
  const std::set<std::string_view> expected = {
      "celebrity_registered", "celebrity_updated", "album_released",       "song_released",
      "live_event_held",      "podcast_appeared",  "relationship_changed", "collaboration_made",
      "appearance_made",      "statement_made",    "fact_corrected",       "fact_retracted",
      "content_taken_down",   "finding_dismissed"};
  std::set<std::string_view> names;
  for (const EventType& t : all_event_types()) {
    CHECK(names.insert(t.name).second);
    CHECK(static_cast<bool>(t.validate_data));
    CHECK(static_cast<bool>(t.title));
    CHECK(find_event_type(t.name) == &t);
  }
  CHECK(names == expected);
}

TEST_CASE("an unknown type name finds nothing, never a default") {
  CHECK(find_event_type("") == nullptr);
  CHECK(find_event_type("Album_Released") == nullptr);
  CHECK(find_event_type("album_released ") == nullptr);
  CHECK(find_event_type("album") == nullptr);
  CHECK(find_event_type("fact_deleted") == nullptr);
}

TEST_CASE(
    "the eight dated types record facts; profile, amendment, takedown and dismissal types do not") {
  for (const EventType& t : all_event_types()) {
    CAPTURE(t.name);
    const bool registration = t.name == "celebrity_registered";
    const bool update = t.name == "celebrity_updated";
    const bool correction = t.name == "fact_corrected";
    const bool retraction = t.name == "fact_retracted";
    const bool profile = registration || update;
    const bool amendment = correction || retraction;
    const bool takedown = t.name == "content_taken_down";
    const bool dismissal = t.name == "finding_dismissed";
    CHECK(t.records_fact() == !(profile || amendment || takedown || dismissal));
    CHECK(t.sets_profile() == profile);
    CHECK(t.amends() == amendment);
    CHECK(t.names_fact() == (amendment || takedown));
    CHECK(t.admin_only == takedown);
    CHECK(role_of(t.name) == t.role);
    CHECK((t.role == EventRole::registration) == registration);
    CHECK((t.role == EventRole::profile_update) == update);
    CHECK((t.role == EventRole::correction) == correction);
    CHECK((t.role == EventRole::retraction) == retraction);
    CHECK((t.role == EventRole::takedown) == takedown);
    CHECK((t.role == EventRole::dismissal) == dismissal);
    if (profile || amendment || takedown || dismissal) {
      CHECK(t.occurred == OccurredRule::absent);
    } else if (t.name == "live_event_held") {
      CHECK(t.occurred == OccurredRule::required_interval_allowed);
    } else {
      CHECK(t.occurred == OccurredRule::required);
    }
  }
}

TEST_CASE("every role but fact belongs to exactly one type, which type_of_role names") {
  for (EventRole role : {EventRole::registration, EventRole::profile_update, EventRole::correction,
                         EventRole::retraction, EventRole::takedown, EventRole::dismissal}) {
    const auto n = std::count_if(all_event_types().begin(), all_event_types().end(),
                                 [&](const EventType& t) { return t.role == role; });
    CHECK(n == 1);
    CHECK(type_of_role(role).role == role);
  }
  CHECK(type_of_role(EventRole::registration).name == "celebrity_registered");
  CHECK(type_of_role(EventRole::profile_update).name == "celebrity_updated");
  CHECK(type_of_role(EventRole::takedown).name == "content_taken_down");
}

TEST_CASE("finding_dismissed names a finding by its UUID and gives a reason") {
  CHECK(check("finding_dismissed", {{"finding_id", "0f8fad5b-d9cb-869f-a165-70867728950e"},
                                    {"reason", "the source means another year"}})
            .empty());
  auto errors = check("finding_dismissed", {{"finding_id", "nope"}, {"extra", 1}});
  CHECK(errors.size() == 3);
  CHECK(has_pointer(errors, "/data/finding_id"));
  CHECK(has_pointer(errors, "/data/reason"));
  CHECK(has_pointer(errors, "/data/extra"));
}

TEST_CASE("celebrity_registered needs a name and accepts aliases, born and occupations") {
  CHECK(check("celebrity_registered", {{"name", "Kanye West"}}).empty());
  CHECK(check("celebrity_registered", {{"name", "Kanye West"},
                                       {"aliases", {"Ye"}},
                                       {"born", "1977-06-08"},
                                       {"occupations", {"rapper", "producer"}}})
            .empty());
  SUBCASE("name missing") {
    auto e = check("celebrity_registered", {{"aliases", {"Ye"}}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/name");
  }
  SUBCASE("name of the wrong type") {
    CHECK(has_pointer(check("celebrity_registered", {{"name", 42}}), "/data/name"));
    CHECK(has_pointer(check("celebrity_registered", {{"name", nullptr}}), "/data/name"));
    CHECK(has_pointer(check("celebrity_registered", {{"name", {"Kanye"}}}), "/data/name"));
  }
  SUBCASE("aliases must be an array of strings") {
    CHECK(has_pointer(check("celebrity_registered", {{"name", "K"}, {"aliases", "Ye"}}),
                      "/data/aliases"));
    CHECK(has_pointer(check("celebrity_registered", {{"name", "K"}, {"aliases", {"Ye", 3}}}),
                      "/data/aliases/1"));
  }
  SUBCASE("unknown field") {
    auto e = check("celebrity_registered", {{"name", "K"}, {"nickname", "Ye"}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/nickname");
    CHECK(e[0].message == "unknown field");
  }
}

TEST_CASE("born is a calendar date, never a time or an interval") {
  for (const char* ok : {"1977-06-08", "1977-06", "1977", "1950~", "1950-03?"}) {
    CAPTURE(ok);
    CHECK(check("celebrity_registered", {{"name", "K"}, {"born", ok}}).empty());
  }
  for (const char* bad : {"1977-02-29", "1977-13-01", "77-06-08", "1977-06-08T10:00Z", "1977/1978",
                          "June 1977", "", "0000"}) {
    CAPTURE(bad);
    auto e = check("celebrity_registered", {{"name", "K"}, {"born", bad}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/born");
    CHECK_FALSE(e[0].message.empty());
  }
  CHECK(has_pointer(check("celebrity_registered", {{"name", "K"}, {"born", 1977}}), "/data/born"));
}

TEST_CASE("celebrity_updated needs at least one profile field") {
  auto e = check("celebrity_updated", Json::object());
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/data");
  CHECK(check("celebrity_updated", {{"name", "Ye"}}).empty());
  CHECK(check("celebrity_updated", {{"aliases", Json::array()}}).empty());
  CHECK(check("celebrity_updated", {{"born", "1977-06-08"}}).empty());
  CHECK(check("celebrity_updated", {{"occupations", {"designer"}}}).empty());
  SUBCASE("an unknown field alone is two errors: unknown, and nothing to update") {
    auto u = check("celebrity_updated", {{"nickname", "Ye"}});
    CHECK(has_pointer(u, "/data/nickname"));
    CHECK(has_pointer(u, "/data"));
  }
}

TEST_CASE("album_released needs a title and accepts label and tracks") {
  CHECK(check("album_released", {{"title", "Donda"}}).empty());
  CHECK(check("album_released", {{"title", "Donda"}, {"label", "GOOD Music"}, {"tracks", {"Jail"}}})
            .empty());
  CHECK(has_pointer(check("album_released", {{"label", "GOOD Music"}}), "/data/title"));
  CHECK(has_pointer(check("album_released", {{"title", "Donda"}, {"label", 1}}), "/data/label"));
  CHECK(has_pointer(
      check("album_released", {{"title", "Donda"}, {"tracks", Json::array({Json{{"a", 1}}})}}),
      "/data/tracks/0"));
  CHECK(has_pointer(check("album_released", {{"title", "Donda"}, {"year", 2021}}), "/data/year"));
}

TEST_CASE("song_released needs a title and accepts album") {
  CHECK(check("song_released", {{"title", "Jail"}, {"album", "Donda"}}).empty());
  CHECK(has_pointer(check("song_released", {{"album", "Donda"}}), "/data/title"));
  CHECK(
      has_pointer(check("song_released", {{"title", "Jail"}, {"tracks", {"x"}}}), "/data/tracks"));
}

TEST_CASE("live_event_held needs name and venue and accepts city") {
  CHECK(check("live_event_held", {{"name", "Donda listening event"},
                                  {"venue", "Mercedes-Benz Stadium"},
                                  {"city", "Atlanta"}})
            .empty());
  auto e = check("live_event_held", {{"city", "Atlanta"}});
  CHECK(has_pointer(e, "/data/name"));
  CHECK(has_pointer(e, "/data/venue"));
  CHECK(e.size() == 2);
}

TEST_CASE("podcast_appeared needs a podcast and accepts episode and hosts") {
  CHECK(check("podcast_appeared", {{"podcast", "We Are Supported By..."},
                                   {"episode", "Kim"},
                                   {"hosts", {"Kristen Bell"}}})
            .empty());
  CHECK(has_pointer(check("podcast_appeared", {{"episode", "Kim"}}), "/data/podcast"));
  CHECK(has_pointer(check("podcast_appeared", {{"podcast", "P"}, {"hosts", "Kristen Bell"}}),
                    "/data/hosts"));
}

TEST_CASE("relationship_changed needs with and one of the seven statuses") {
  for (const char* s :
       {"dating", "engaged", "married", "separated", "divorce_filed", "divorced", "reconciled"}) {
    CAPTURE(s);
    CHECK(check("relationship_changed", {{"with", "kim-kardashian"}, {"status", s}}).empty());
  }
  CHECK(
      check("relationship_changed", {{"with", "Someone Without A Timeline"}, {"status", "dating"}})
          .empty());
  for (const char* s : {"Married", "divorce filed", "widowed", ""}) {
    CAPTURE(s);
    auto e = check("relationship_changed", {{"with", "x"}, {"status", s}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/status");
  }
  CHECK(has_pointer(check("relationship_changed", {{"with", "x"}, {"status", 1}}), "/data/status"));
  auto e = check("relationship_changed", Json::object());
  CHECK(has_pointer(e, "/data/with"));
  CHECK(has_pointer(e, "/data/status"));
  CHECK(has_pointer(check("relationship_changed", {{"with", {"a"}}, {"status", "dating"}}),
                    "/data/with"));
}

TEST_CASE("collaboration_made needs 1 to 20 names in with and accepts works") {
  CHECK(check("collaboration_made", {{"with", {"jay-z"}}, {"works", {"Jail"}}}).empty());
  CHECK(check("collaboration_made", {{"with", strings(20)}}).empty());
  CHECK(has_pointer(check("collaboration_made", {{"with", Json::array()}}), "/data/with"));
  CHECK(has_pointer(check("collaboration_made", {{"with", strings(21)}}), "/data/with"));
  CHECK(has_pointer(check("collaboration_made", {{"with", "jay-z"}}), "/data/with"));
  CHECK(has_pointer(check("collaboration_made", Json::object()), "/data/with"));
  CHECK(has_pointer(check("collaboration_made", {{"with", {"jay-z", ""}}}), "/data/with/1"));
}

TEST_CASE("appearance_made needs an event and accepts venue") {
  CHECK(check("appearance_made", {{"event", "Met Gala"}, {"venue", "The Met"}}).empty());
  CHECK(has_pointer(check("appearance_made", {{"venue", "The Met"}}), "/data/event"));
}

TEST_CASE("statement_made needs a quote of up to 2000 characters, lines allowed") {
  CHECK(check("statement_made", {{"quote", "line one\nline two"}, {"medium", "podcast"}}).empty());
  CHECK(check("statement_made", {{"quote", repeat("a", 2000)}}).empty());
  CHECK(has_pointer(check("statement_made", {{"quote", repeat("a", 2001)}}), "/data/quote"));
  CHECK(has_pointer(check("statement_made", {{"medium", "tv"}}), "/data/quote"));
  CHECK(has_pointer(check("statement_made", {{"quote", "q"}, {"medium", "a\nb"}}), "/data/medium"));
}

TEST_CASE("fact_corrected needs fact_id, reason and changes of a known shape") {
  const std::string fid = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";
  CHECK(check("fact_corrected",
              {{"fact_id", fid}, {"reason", "typo"}, {"changes", {{"occurred", "2021-08-29"}}}})
            .empty());
  CHECK(check("fact_corrected", {{"fact_id", "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00"},
                                 {"reason", "several\nlines"},
                                 {"changes",
                                  {{"data", {{"label", nullptr}, {"title", "Donda"}}},
                                   {"participants", {{{"celebrity", "jay-z"}}}},
                                   {"sources", {{{"url", "https://example.com/"}}}}}}})
            .empty());
  SUBCASE("every required field missing") {
    auto e = check("fact_corrected", Json::object());
    CHECK(has_pointer(e, "/data/fact_id"));
    CHECK(has_pointer(e, "/data/reason"));
    CHECK(has_pointer(e, "/data/changes"));
    CHECK(e.size() == 3);
  }
  SUBCASE("fact_id must be a UUID") {
    CHECK(has_pointer(
        check("fact_corrected",
              {{"fact_id", "abc"}, {"reason", "r"}, {"changes", {{"occurred", "2021"}}}}),
        "/data/fact_id"));
    CHECK(has_pointer(check("fact_corrected",
                            {{"fact_id", 7}, {"reason", "r"}, {"changes", {{"occurred", "2021"}}}}),
                      "/data/fact_id"));
  }
  SUBCASE("changes must change something known") {
    auto empty =
        check("fact_corrected", {{"fact_id", fid}, {"reason", "r"}, {"changes", Json::object()}});
    REQUIRE(empty.size() == 1);
    CHECK(empty[0].pointer == "/data/changes");
    CHECK(has_pointer(
        check("fact_corrected", {{"fact_id", fid}, {"reason", "r"}, {"changes", {"occurred"}}}),
        "/data/changes"));
    auto unknown =
        check("fact_corrected",
              {{"fact_id", fid}, {"reason", "r"}, {"changes", {{"type", "song_released"}}}});
    CHECK(has_pointer(unknown, "/data/changes/type"));
    CHECK(has_pointer(unknown, "/data/changes"));
  }
  SUBCASE("each change has the shape of its top-level field") {
    auto bad = [&](const Json& changes) {
      return check("fact_corrected", {{"fact_id", fid}, {"reason", "r"}, {"changes", changes}});
    };
    CHECK(has_pointer(bad({{"occurred", "2021-02-29"}}), "/data/changes/occurred"));
    CHECK(has_pointer(bad({{"occurred", 2021}}), "/data/changes/occurred"));
    CHECK(has_pointer(bad({{"occurred", nullptr}}), "/data/changes/occurred"));
    CHECK(has_pointer(bad({{"data", {"title"}}}), "/data/changes/data"));
    CHECK(has_pointer(bad({{"data", {{"title", "tab\there"}}}}), "/data/changes/data/title"));
    CHECK(has_pointer(bad({{"participants", {{{"celebrity", "Not A Slug"}}}}}),
                      "/data/changes/participants/0/celebrity"));
    CHECK(has_pointer(bad({{"participants", "jay-z"}}), "/data/changes/participants"));
    CHECK(has_pointer(bad({{"sources", {{{"url", "ftp://example.com/"}}}}}),
                      "/data/changes/sources/0/url"));
  }
  SUBCASE("reason is at most 2000 characters") {
    CHECK(check("fact_corrected", {{"fact_id", fid},
                                   {"reason", repeat("r", 2000)},
                                   {"changes", {{"occurred", "2021"}}}})
              .empty());
    CHECK(has_pointer(check("fact_corrected", {{"fact_id", fid},
                                               {"reason", repeat("r", 2001)},
                                               {"changes", {{"occurred", "2021"}}}}),
                      "/data/reason"));
  }
}

TEST_CASE("content_taken_down needs fact_id and reason, may give a legal basis, nothing else") {
  const std::string fid = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";
  CHECK(check("content_taken_down", {{"fact_id", fid}, {"reason", "court order"}}).empty());
  CHECK(check("content_taken_down", {{"fact_id", fid},
                                     {"reason", "court order"},
                                     {"legal_basis", "High Court, case 2026/123"}})
            .empty());
  CHECK(has_pointer(check("content_taken_down", {{"fact_id", fid}}), "/data/reason"));
  CHECK(has_pointer(check("content_taken_down", {{"reason", "r"}}), "/data/fact_id"));
  CHECK(has_pointer(check("content_taken_down", {{"fact_id", "nope"}, {"reason", "r"}}),
                    "/data/fact_id"));
  CHECK(has_pointer(
      check("content_taken_down", {{"fact_id", fid}, {"reason", "r"}, {"legal_basis", 7}}),
      "/data/legal_basis"));
  CHECK(has_pointer(check("content_taken_down", {{"fact_id", fid}, {"reason", "r"}, {"why", "x"}}),
                    "/data/why"));
  CHECK(title("content_taken_down", Json::object()) == "Took a fact's content down");
  CHECK(role_of("") == std::nullopt);
}

TEST_CASE("fact_retracted needs fact_id and reason, nothing else") {
  const std::string fid = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";
  CHECK(check("fact_retracted", {{"fact_id", fid}, {"reason", "not true"}}).empty());
  auto e = check("fact_retracted", {{"fact_id", fid}});
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/data/reason");
  CHECK(has_pointer(
      check("fact_retracted", {{"fact_id", fid}, {"reason", "r"}, {"changes", Json::object()}}),
      "/data/changes"));
  CHECK(has_pointer(check("fact_retracted", {{"reason", "r"}}), "/data/fact_id"));
}

TEST_CASE("names and titles are at most 200 characters, counted as code points") {
  CHECK(check("album_released", {{"title", repeat("a", 200)}}).empty());
  CHECK(has_pointer(check("album_released", {{"title", repeat("a", 201)}}), "/data/title"));
  // 200 two-byte characters are 400 bytes and still fit.
  CHECK(check("album_released", {{"title", repeat("\u00e9", 200)}}).empty());
  CHECK(check("album_released", {{"title", repeat("\U0001F600", 200)}}).empty());
  auto e = check("album_released", {{"title", repeat("\U0001F600", 201)}});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("200") != std::string::npos);
}

TEST_CASE("every text is non-blank valid UTF-8 without control characters") {
  auto title_errors = [](const std::string& t) { return check("album_released", {{"title", t}}); };
  CHECK(title_errors("Donda \u201cdeluxe\u201d \u00e9\u00e8 \u4e2d\u6587").empty());
  for (const std::string& bad :
       {std::string(""), std::string("   "), std::string("a\nb"), std::string("a\tb"),
        std::string("a\rb"), std::string("a\x01"), std::string("a\x7f"), std::string("a\u0085b"),
        std::string("a\0b", 3)}) {
    CAPTURE(bad);
    auto e = title_errors(bad);
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/title");
  }
  SUBCASE("invalid UTF-8 built in code is caught, not only by the parser") {
    for (const std::string& bad :
         {std::string("\xff"), std::string("a\xc3"), std::string("\xc0\xaf"),
          std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
      auto e = title_errors(bad);
      REQUIRE(e.size() == 1);
      CHECK(e[0].message == "must be valid UTF-8");
    }
  }
  SUBCASE("a quote may hold line breaks but no other control character") {
    CHECK(check("statement_made", {{"quote", "a\nb"}}).empty());
    CHECK(has_pointer(check("statement_made", {{"quote", "a\tb"}}), "/data/quote"));
    CHECK(has_pointer(check("statement_made", {{"quote", "\n"}}), "/data/quote"));
  }
}

TEST_CASE("list fields are capped") {
  CHECK(check("celebrity_registered", {{"name", "K"}, {"aliases", strings(50)}}).empty());
  CHECK(has_pointer(check("celebrity_registered", {{"name", "K"}, {"aliases", strings(51)}}),
                    "/data/aliases"));
  CHECK(check("celebrity_registered", {{"name", "K"}, {"occupations", strings(50)}}).empty());
  CHECK(has_pointer(check("celebrity_registered", {{"name", "K"}, {"occupations", strings(51)}}),
                    "/data/occupations"));
  CHECK(check("album_released", {{"title", "T"}, {"tracks", strings(200)}}).empty());
  CHECK(has_pointer(check("album_released", {{"title", "T"}, {"tracks", strings(201)}}),
                    "/data/tracks"));
  CHECK(check("podcast_appeared", {{"podcast", "P"}, {"hosts", strings(50)}}).empty());
  CHECK(has_pointer(check("podcast_appeared", {{"podcast", "P"}, {"hosts", strings(51)}}),
                    "/data/hosts"));
  CHECK(check("collaboration_made", {{"with", {"a"}}, {"works", strings(200)}}).empty());
  CHECK(has_pointer(check("collaboration_made", {{"with", {"a"}}, {"works", strings(201)}}),
                    "/data/works"));
  SUBCASE("elements obey the name limit") {
    Json tracks = {"ok", repeat("x", 201)};
    auto e = check("album_released", {{"title", "T"}, {"tracks", tracks}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/data/tracks/1");
  }
}

TEST_CASE("unknown field names are escaped as JSON pointer tokens") {
  auto e = check("album_released", {{"title", "T"}, {"a/b", 1}, {"c~d", 2}});
  CHECK(has_pointer(e, "/data/a~1b"));
  CHECK(has_pointer(e, "/data/c~0d"));
}

TEST_CASE("all errors of one data object are reported together") {
  auto e = check("live_event_held", {{"name", 1}, {"city", ""}, {"extra", true}});
  CHECK(has_pointer(e, "/data/name"));
  CHECK(has_pointer(e, "/data/venue"));
  CHECK(has_pointer(e, "/data/city"));
  CHECK(has_pointer(e, "/data/extra"));
  CHECK(e.size() == 4);
}

TEST_CASE("titles are the subject's headline for each type") {
  CHECK(title("celebrity_registered", {{"name", "Kanye West"}}) == "Registered");
  CHECK(title("celebrity_updated", {{"name", "Ye"}}) == "Profile updated");
  CHECK(title("album_released", {{"title", "Donda"}}) == "Released the album Donda");
  CHECK(title("song_released", {{"title", "Jail"}}) == "Released the song Jail");
  CHECK(title("live_event_held", {{"name", "Donda listening events"},
                                  {"venue", "Mercedes-Benz Stadium"},
                                  {"city", "Atlanta"}}) ==
        "Held Donda listening events at Mercedes-Benz Stadium");
  CHECK(title("podcast_appeared", {{"podcast", "We Are Supported By..."}}) ==
        "Appeared on the podcast We Are Supported By...");
  CHECK(title("relationship_changed", {{"with", "kim-kardashian"}, {"status", "married"}}) ==
        "Married kim-kardashian");  // no names given: ids as written
  CHECK(title("relationship_changed", {{"with", "Kim"}, {"status", "divorce_filed"}}) ==
        "Filed for divorce from Kim");
  CHECK(title("appearance_made", {{"event", "Donda listening event"}}) ==
        "Appeared at Donda listening event");
  CHECK(title("fact_corrected", Json::object()) == "Corrected a fact");
  CHECK(title("fact_retracted", Json::object()) == "Retracted a fact");
}

TEST_CASE("titles are written from the timeline owner's side, with registered names") {
  const Json married = {{"with", "kim-kardashian"}, {"status", "married"}};
  CHECK(title_for("relationship_changed", married, "kanye-west", "kanye-west") ==
        "Married Kim Kardashian");
  CHECK(title_for("relationship_changed", married, "kanye-west", "") == "Married Kim Kardashian");
  CHECK(title_for("relationship_changed", married, "kanye-west", "kim-kardashian") ==
        "Married Kanye West");
  CHECK(title_for("relationship_changed", married, "kanye-west", "north-west") ==
        "Kanye West married Kim Kardashian");
  const Json filed = {{"with", "kanye-west"}, {"status", "divorce_filed"}};
  CHECK(title_for("relationship_changed", filed, "kim-kardashian", "kim-kardashian") ==
        "Filed for divorce from Kanye West");
  CHECK(title_for("relationship_changed", filed, "kim-kardashian", "kanye-west") ==
        "Kim Kardashian filed for divorce");
  for (const auto& [status, words] :
       std::vector<std::pair<std::string, std::string>>{{"dating", "Started dating"},
                                                        {"engaged", "Got engaged to"},
                                                        {"separated", "Separated from"},
                                                        {"divorced", "Divorced"},
                                                        {"reconciled", "Reconciled with"}}) {
    CHECK(title_for("relationship_changed", {{"with", "Kris"}, {"status", status}}, "kanye-west",
                    "kanye-west") == words + " Kris");
  }

  const Json collab = {{"with", {"jay-z", "Frank Ocean"}}};
  CHECK(title_for("collaboration_made", collab, "kanye-west", "kanye-west") ==
        "Collaborated with Jay-Z and Frank Ocean");
  CHECK(title_for("collaboration_made", collab, "kanye-west", "jay-z") ==
        "Collaborated with Kanye West and Frank Ocean");
  CHECK(title_for("collaboration_made", collab, "kanye-west", "north-west") ==
        "Kanye West collaborated with Jay-Z and Frank Ocean");

  CHECK(title_for("album_released", {{"title", "Donda"}}, "kanye-west", "north-west") ==
        "Kanye West released the album Donda");
  CHECK(title_for("appearance_made", {{"event", "Donda listening event"}}, "kim-kardashian",
                  "kanye-west") == "Kim Kardashian appeared at Donda listening event");
  CHECK(title_for("statement_made", {{"quote", "Hi."}}, "kim-kardashian", "kanye-west") ==
        "Kim Kardashian: \u201cHi.\u201d");
  CHECK(title_for("statement_made", {{"quote", "Hi."}}, "kim-kardashian", "kim-kardashian") ==
        "Statement: \u201cHi.\u201d");
}

TEST_CASE("a collaboration title names up to three collaborators") {
  CHECK(title("collaboration_made", {{"with", {"jay-z"}}}) == "Collaborated with jay-z");
  CHECK(title("collaboration_made", {{"with", {"A", "B"}}}) == "Collaborated with A and B");
  CHECK(title("collaboration_made", {{"with", {"A", "B", "C"}}}) == "Collaborated with A, B and C");
  CHECK(title("collaboration_made", {{"with", {"A", "B", "C", "D"}}}) ==
        "Collaborated with A, B, C and 1 other");
  CHECK(title("collaboration_made", {{"with", {"A", "B", "C", "D", "E"}}}) ==
        "Collaborated with A, B, C and 2 others");
}

TEST_CASE("a statement title quotes the first 80 characters on one line") {
  CHECK(title("statement_made", {{"quote", "Short."}}) == "Statement: \u201cShort.\u201d");
  CHECK(title("statement_made", {{"quote", "line one\nline two"}}) ==
        "Statement: \u201cline one line two\u201d");
  CHECK(title("statement_made", {{"quote", repeat("a", 80)}}) ==
        "Statement: \u201c" + repeat("a", 80) + "\u201d");
  CHECK(title("statement_made", {{"quote", repeat("a", 81)}}) ==
        "Statement: \u201c" + repeat("a", 80) + "\u2026\u201d");
  // Cut at a code point, never inside a multi-byte character.
  CHECK(title("statement_made", {{"quote", repeat("\u00e9", 100)}}) ==
        "Statement: \u201c" + repeat("\u00e9", 80) + "\u2026\u201d");
  // No space dangles before the ellipsis.
  CHECK(title("statement_made", {{"quote", repeat("a", 79) + "  bbbb"}}) ==
        "Statement: \u201c" + repeat("a", 79) + "\u2026\u201d");
}

TEST_CASE("titles do not throw on data of the wrong shape") {
  for (const EventType& t : all_event_types()) {
    CAPTURE(t.name);
    CHECK_NOTHROW(t.title(Json::object(), {}));
    CHECK_NOTHROW(t.title({{"title", 1}, {"with", "x"}, {"quote", nullptr}, {"status", 3}}, {}));
    CHECK_NOTHROW(t.title({{"with", {1, "x"}}, {"status", "married"}}, {"x", "y", demo_name}));
  }
}
