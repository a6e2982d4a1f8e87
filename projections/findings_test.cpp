#include "projections/findings.h"

#include <doctest/doctest.h>

#include <random>
#include <set>

#include "projections/digest.h"
#include "projections/findings_reader.h"
#include "projections/test_log.h"

// Queries below name only the fields that matter; GCC 12 warns about the
// omitted ones although they all have default member initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace starlog::projections {
namespace {

using testing::new_event;
using testing::Store;

Json source(Json ages = nullptr, std::string publisher = "The Sun") {
  Json s = {{"url", "https://www.thesun.co.uk/"}, {"publisher", std::move(publisher)}};
  if (!ages.is_null()) s["ages"] = std::move(ages);
  return s;
}

struct Checked : Store {
  FindingsReader findings{*rows, std::string(TimelineProjection::kName)};

  // A sourced fact (`sources` replaces the default one source).
  std::string sourced(const std::string& stream, const std::string& type, Json data,
                      const std::string& occurred, Json sources = Json::array({source()}),
                      const std::vector<std::string>& participants = {}) {
    const std::string id = testing::uuid(next_id);
    auto e = new_event(next_id, type, std::move(data), occurred, testing::with(participants));
    e.sources = std::move(sources);
    append(stream, e);
    return id;
  }
  std::string album(const std::string& stream, const std::string& title,
                    const std::string& occurred, Json ages = nullptr,
                    const std::vector<std::string>& participants = {}) {
    return sourced(stream, "album_released", {{"title", title}}, occurred,
                   Json::array({source(std::move(ages))}), participants);
  }
  std::string relationship(const std::string& stream, const std::string& with,
                           const std::string& status, const std::string& occurred) {
    return sourced(stream, "relationship_changed", {{"with", with}, {"status", status}}, occurred);
  }
  Json list(FindingsQuery q) {
    auto doc = findings.list(q);
    REQUIRE_MESSAGE(doc.ok(), doc.status().message());
    return doc->at("items");
  }
  Json of(const std::string& celebrity, bool dismissed = false) {
    return list(FindingsQuery{.celebrity = celebrity, .include_dismissed = dismissed});
  }
  std::vector<std::string> kinds(const std::string& celebrity) {
    std::vector<std::string> out;
    for (const auto& f : of(celebrity)) out.push_back(f.at("kind"));
    return out;
  }
};

TEST_CASE("a stated age that the birth date contradicts is a finding, in words with numbers") {
  Checked s;
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");
  const auto donda = s.album("kanye-west", "Donda", "2021-08-29", {{"kanye-west", 37}});
  auto found = s.of("kanye-west");
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("kind") == "age_mismatch");
  CHECK(found[0].at("celebrity") == "kanye-west");
  CHECK(found[0].at("fact_ids") == Json::array({donda}));
  CHECK(found[0].at("message") ==
        "The Sun states age 37 for Kanye West on 29 August 2021; born 8 June 1977 gives 44");
  CHECK(found[0].at("position") == s.log->head());
  CHECK(found[0].at("dismissal").is_null());
  const std::string id = found[0].at("id");
  // The same problem with another number keeps its id and its position.
  const auto raised_at = found[0].at("position");
  s.correct("kanye-west", donda, {{"sources", Json::array({source({{"kanye-west", 36}})})}});
  found = s.of("kanye-west");
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("id") == id);
  CHECK(found[0].at("position") == raised_at);
  CHECK(found[0].at("message").get<std::string>().find("states age 36") != std::string::npos);
  // A correction that states the right age makes it go away.
  s.correct("kanye-west", donda, {{"sources", Json::array({source({{"kanye-west", 44}})})}});
  CHECK(s.of("kanye-west").empty());
}

TEST_CASE("ages at the boundaries: the birthday, year and month precision, a year-only birth") {
  Checked s;
  s.register_celebrity("ann", "Ann", "1977-06-08");
  s.register_celebrity("bob", "Bob", "1977");
  auto mismatched = [&](const std::string& who, const std::string& date, int age) {
    const auto id = s.album(who, "A" + std::to_string(s.next_id), date, {{who, age}});
    for (const auto& f : s.of(who))
      if (f.at("fact_ids")[0] == id) return true;
    return false;
  };
  CHECK_FALSE(mismatched("ann", "2021-06-08", 44));  // the birthday itself
  CHECK(mismatched("ann", "2021-06-08", 43));
  CHECK_FALSE(mismatched("ann", "2021-06-07", 43));  // the day before
  CHECK(mismatched("ann", "2021-06-07", 44));
  CHECK_FALSE(mismatched("ann", "2021", 43));  // a year: before or after the birthday
  CHECK_FALSE(mismatched("ann", "2021", 44));
  CHECK(mismatched("ann", "2021", 42));
  CHECK(mismatched("ann", "2021", 45));
  CHECK_FALSE(mismatched("ann", "2021-06", 43));  // the birthday's month allows both
  CHECK_FALSE(mismatched("ann", "2021-06", 44));
  CHECK(mismatched("ann", "2021-07", 43));  // a later month only one
  CHECK_FALSE(mismatched("ann", "2021-07", 44));
  CHECK_FALSE(mismatched("ann", "2021-07-22/2021-08-05", 44));  // an interval: its start
  CHECK(mismatched("ann", "2021-07-22/2021-08-05", 45));
  CHECK_FALSE(mismatched("bob", "2021-08-29", 43));  // born some day of 1977
  CHECK_FALSE(mismatched("bob", "2021-08-29", 44));
  CHECK(mismatched("bob", "2021-08-29", 45));
  // The message gives the range.
  bool said = false;
  for (const auto& f : s.of("ann"))
    said = said || f.at("message").get<std::string>().ends_with("gives 43 or 44");
  CHECK(said);
}

TEST_CASE("a new born re-checks the celebrity's facts; an age stated before registration too") {
  Checked s;
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");
  s.album("kanye-west", "Donda", "2021-08-29", {{"kanye-west", 37}, {"north-west", 8}});
  CHECK(s.kinds("kanye-west") == std::vector<std::string>{"age_mismatch"});
  s.append("kanye-west", new_event(s.next_id, "celebrity_updated", {{"born", "1984-06-08"}}));
  CHECK(s.of("kanye-west").empty());
  // North West's age was stated before she was registered: checked once she is.
  s.register_celebrity("north-west", "North West", "2015-06-15");
  auto north = s.of("north-west");
  REQUIRE(north.size() == 1);
  CHECK(north[0].at("message") ==
        "The Sun states age 8 for North West on 29 August 2021; born 15 June 2015 gives 6");
  s.append("north-west", new_event(s.next_id, "celebrity_updated", {{"born", "2013-06-15"}}));
  CHECK(s.of("north-west").empty());
  s.append("north-west", new_event(s.next_id, "celebrity_updated", {{"name", "North"}}));
  CHECK(s.of("north-west").empty());
}

TEST_CASE("a fact before a subject's or participant's birth is a finding; the birthday is not") {
  Checked s;
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");
  s.register_celebrity("north-west", "North West", "2013-06-15");
  auto before_birth = [&](const std::string& date) {
    const auto id =
        s.album("kanye-west", "T" + std::to_string(s.next_id), date, nullptr, {"north-west"});
    for (const auto& f : s.of("north-west"))
      if (f.at("fact_ids")[0] == id && f.at("kind") == "before_birth") return true;
    return false;
  };
  CHECK(before_birth("2010"));
  CHECK(before_birth("2013-06-14"));
  CHECK_FALSE(before_birth("2013-06-15"));
  CHECK_FALSE(before_birth("2013"));     // may be after 15 June
  CHECK_FALSE(before_birth("2013-06"));  // may be after 15 June
  CHECK(before_birth("2013-05"));
  CHECK(before_birth("2013-06-10/2013-06-20"));  // starts before
  // The subject too; a correction of the date removes it.
  const auto early = s.album("kanye-west", "Early", "1970");
  bool found = false;
  for (const auto& f : s.of("kanye-west")) found = found || f.at("fact_ids")[0] == early;
  CHECK(found);
  s.correct("kanye-west", early, {{"occurred", "1999"}});
  for (const auto& f : s.of("kanye-west")) CHECK(f.at("fact_ids")[0] != early);
}

TEST_CASE("an active fact without a source is unsourced until it has one or is retracted") {
  Checked s;
  s.register_celebrity("ann", "Ann");
  const auto bare = s.fact("ann", "Bare", "2001");
  const auto other = s.fact("ann", "Other", "2002");
  auto found = s.of("ann");
  REQUIRE(found.size() == 2);
  CHECK(found[0].at("kind") == "unsourced");
  std::set<std::string> messages;
  for (const auto& f : found) messages.insert(f.at("message"));
  CHECK(messages.count("\u201cReleased the album Bare\u201d (2001) has no source."));
  s.correct("ann", bare, {{"sources", Json::array({source()})}});
  CHECK(s.of("ann").size() == 1);
  s.retract("ann", other);
  CHECK(s.of("ann").empty());
}

TEST_CASE("relationship statuses that cannot follow the earlier ones with the same partner") {
  Checked s;
  s.register_celebrity("kim", "Kim", "1980-10-21");
  s.register_celebrity("kanye-west", "Kanye West", "1977-06-08");
  const auto divorced = s.relationship("kim", "kanye-west", "divorced", "2022-11-29");
  auto found = s.of("kim");
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("kind") == "relationship_inconsistent");
  CHECK(found[0].at("fact_ids") == Json::array({divorced}));
  CHECK(found[0].at("message") ==
        "Divorced from Kanye West (29 November 2022) with no marriage to them on record before.");
  // The marriage, recorded later but dated earlier, makes the sequence valid.
  const auto married = s.relationship("kim", "kanye-west", "married", "2014-05-24");
  CHECK(s.of("kim").empty());
  // Another partner is another sequence.
  s.relationship("kim", "Someone Else", "separated", "2010");
  CHECK(s.kinds("kim") == std::vector<std::string>{"relationship_inconsistent"});
  // Married while married to them.
  const auto again = s.relationship("kim", "kanye-west", "married", "2016");
  bool twice = false;
  for (const auto& f : s.of("kim"))
    twice = twice || f.at("fact_ids") == Json::array({married, again});
  CHECK(twice);
  // A filing after the divorce, without a new marriage.
  s.relationship("kim", "kanye-west", "divorce_filed", "2023");
  CHECK(s.of("kim").size() == 3);
  s.retract("kim", again);
  CHECK(s.of("kim").size() == 2);
}

TEST_CASE("two active facts of one type and title whose periods overlap, on every timeline") {
  Checked s;
  s.register_celebrity("kanye-west", "Kanye West");
  s.register_celebrity("jay-z", "Jay-Z");
  const auto a = s.album("kanye-west", "Donda", "2021-08-29", nullptr, {"jay-z"});
  const auto b = s.album("kanye-west", "Donda", "2021-08", nullptr, {"jay-z"});
  s.album("kanye-west", "Donda", "2022");  // no overlap
  auto found = s.of("kanye-west");
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("kind") == "possible_duplicate");
  CHECK(found[0].at("fact_ids") == Json::array({b, a}));  // by start
  CHECK(found[0].at("message") ==
        "Two facts are both \u201cReleased the album Donda\u201d and their dates overlap: August "
        "2021 and 29 August 2021.");
  CHECK(s.kinds("jay-z") == std::vector<std::string>{"possible_duplicate"});
  s.retract("kanye-west", b);
  CHECK(s.of("kanye-west").empty());
  CHECK(s.of("jay-z").empty());
}

TEST_CASE("a dismissed finding is listed only when asked for, with its reason and who") {
  Checked s;
  s.register_celebrity("ann", "Ann");
  s.fact("ann", "Bare", "2001");
  const std::string id = s.of("ann")[0].at("id");
  s.append("ann", new_event(s.next_id, "finding_dismissed",
                            {{"finding_id", id}, {"reason", "a private recording"}}));
  CHECK(s.of("ann").empty());
  auto all = s.of("ann", true);
  REQUIRE(all.size() == 1);
  CHECK(all[0].at("dismissal").at("reason") == "a private recording");
  CHECK(all[0].at("dismissal").at("by") == "alice");
  CHECK(all[0].at("dismissal").at("position") == s.log->head());
  auto one = s.findings.find("ann", id);
  REQUIRE(one.ok());
  REQUIRE(one->has_value());
  CHECK((**one).at("dismissal").at("reason") == "a private recording");
}

TEST_CASE("pages of findings: every one once, in a stable order, by celebrity and by kind") {
  Checked s;
  s.register_celebrity("ann", "Ann");
  s.register_celebrity("bob", "Bob", "1990");
  for (int i = 0; i < 13; ++i) s.fact("ann", "F" + std::to_string(i), "2001");
  for (int i = 0; i < 12; ++i) s.fact(i % 2 ? "ann" : "bob", "E" + std::to_string(i), "1980");
  auto walk = [&](FindingsQuery q) {
    std::vector<std::string> ids;
    for (int guard = 0; guard < 100; ++guard) {
      auto doc = s.findings.list(q);
      REQUIRE(doc.ok());
      CHECK(doc->at("items").size() <= q.limit);
      for (const auto& f : doc->at("items")) ids.push_back(f.at("id"));
      if (doc->at("next_cursor").is_null()) break;
      q.after = keys::decode_opaque(doc->at("next_cursor").get<std::string>());
      REQUIRE(q.after);
    }
    return ids;
  };
  const auto all = walk(FindingsQuery{.limit = 1000});
  CHECK(all.size() == 25 + 6);  // 25 unsourced, 6 of Bob's facts before his birth
  CHECK(walk(FindingsQuery{.limit = 7}) == all);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  const auto anns = walk(FindingsQuery{.celebrity = "ann", .limit = 4});
  CHECK(anns.size() == 19);
  const auto births = walk(FindingsQuery{.kind = "before_birth", .limit = 4});
  CHECK(births.size() == 6);
  CHECK(walk(FindingsQuery{.celebrity = "bob", .kind = "before_birth", .limit = 2}) == births);
  CHECK(s.findings.list(FindingsQuery{.celebrity = "nobody"}).status().code() == Code::not_found);
}

TEST_CASE("findings folded event by event equal a replay of the whole log (digests)") {
  Checked s;
  std::mt19937 rng(20261202);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> people = {"ann", "bob", "cat"};
  for (const auto& p : people)
    s.register_celebrity(p, "Person " + p, "198" + std::to_string(pick(9)));
  std::vector<std::pair<std::string, std::string>> facts;  // stream, id
  for (int i = 0; i < 150; ++i) {
    const int w = pick(3);
    const std::string& who = people[static_cast<std::size_t>(w)];
    const std::string& other = people[static_cast<std::size_t>((w + 1 + pick(2)) % 3)];
    const std::string date =
        std::to_string(1975 + pick(40)) + (pick(2) ? "-0" + std::to_string(1 + pick(9)) : "");
    const int roll = pick(10);
    if (roll < 3) {
      Json ages = {{people[static_cast<std::size_t>(pick(3))], pick(45)}};
      facts.emplace_back(
          who, s.album(who, "T" + std::to_string(pick(4)), date, ages,
                       pick(2) ? std::vector<std::string>{other} : std::vector<std::string>{}));
    } else if (roll < 5) {
      static const char* kStatuses[] = {"married", "separated", "divorced", "divorce_filed",
                                        "dating"};
      facts.emplace_back(who, s.relationship(who, other, kStatuses[pick(5)], date));
    } else if (roll < 6) {
      facts.emplace_back(who, s.fact(who, "T" + std::to_string(pick(4)), date));
    } else if (roll < 8 && !facts.empty()) {
      const auto& [stream, id] =
          facts[static_cast<std::size_t>(pick(static_cast<int>(facts.size())))];
      s.correct(stream, id,
                pick(2) ? Json{{"occurred", date}}
                        : Json{{"sources",
                                Json::array({source(
                                    {{people[static_cast<std::size_t>(pick(3))], pick(45)}})})}});
    } else if (roll < 9) {
      s.append(who, new_event(s.next_id, "celebrity_updated",
                              {{"born", "19" + std::to_string(75 + pick(20))}}));
    } else if (!facts.empty()) {
      const auto [stream, id] =
          facts[static_cast<std::size_t>(pick(static_cast<int>(facts.size())))];
      facts.erase(std::find(facts.begin(), facts.end(), std::make_pair(stream, id)));
      s.retract(stream, id);
    }
  }
  CHECK(s.list(FindingsQuery{.limit = 1000}).size() > 10);
  auto live = digest(*s.rows, TimelineProjection::kName, s.projection);
  TimelineProjection fresh;
  auto replay = replay_digest(*s.log, fresh, s.log->head());
  REQUIRE(live.ok());
  REQUIRE(replay.ok());
  CHECK(live->hex == replay->hex);
  // The index by kind lists exactly the findings of that kind.
  const Json all = s.list(FindingsQuery{.limit = 1000});
  for (std::string_view kind : findings::kKinds) {
    std::set<std::string> expected, listed;
    for (const auto& f : all)
      if (f.at("kind") == kind) expected.insert(f.at("id"));
    for (const auto& f : s.list(FindingsQuery{.kind = std::string(kind), .limit = 1000}))
      listed.insert(f.at("id"));
    CHECK(listed == expected);
  }
}

TEST_CASE("finding ids are UUIDs derived from what they are about") {
  const std::string id = findings::finding_id({"unsourced", "ann", "f1"});
  CHECK(id.size() == 36);
  CHECK(id[14] == '8');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  CHECK(id == findings::finding_id({"unsourced", "ann", "f1"}));
  CHECK(id != findings::finding_id({"unsourced", "ann", "f2"}));
  CHECK(findings::finding_id({"a", "bc"}) != findings::finding_id({"ab", "c"}));
}

}  // namespace
}  // namespace starlog::projections
