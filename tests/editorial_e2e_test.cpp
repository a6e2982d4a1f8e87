// End-to-end: editorial integrity (issue #3) over HTTP against the real
// `starlog serve`, with tokens made by the real `starlog token`:
// corrections and retractions, fact history, profile updates, bearer-token
// auth, revocation without a restart, secrets kept out of logs and files,
// and the demo's corrected Jay-Z claim.
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/cli.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

const std::string kKanye = "/v1/celebrities/kanye-west/events";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A well-formed secret no token has ("stl_" + 43 x `c`), built by appending:
// GCC 12 warns falsely (-Wrestrict) on "literal" + std::string(...) at -O2.
std::string unknown_secret(char c) {
  std::string s = "stl_";
  s.append(43, c);
  return s;
}

Json registration(const std::string& name, const std::string& born = "") {
  Json data = {{"name", name}};
  if (!born.empty()) data["born"] = born;
  return {{"type", "celebrity_registered"}, {"data", data}};
}

Json album(const std::string& title, const std::string& occurred,
           Json participants = Json::array()) {
  return {{"type", "album_released"},
          {"occurred", occurred},
          {"data", {{"title", title}, {"label", "GOOD Music"}}},
          {"participants", std::move(participants)},
          {"sources", {{{"url", "https://www.thesun.co.uk/"}, {"publisher", "The Sun"}}}}};
}

Json correction(const std::string& fact_id, const std::string& reason, Json changes) {
  return {{"type", "fact_corrected"},
          {"data", {{"fact_id", fact_id}, {"reason", reason}, {"changes", std::move(changes)}}}};
}

Json retraction(const std::string& fact_id, const std::string& reason) {
  return {{"type", "fact_retracted"}, {"data", {{"fact_id", fact_id}, {"reason", reason}}}};
}

// A fresh store with one token per role (created by the CLI before the
// server starts), and Kanye West, Jay-Z and Kim Kardashian registered.
struct Newsroom {
  explicit Newsroom(std::vector<std::string> serve_args = {}) : process(db, std::move(serve_args)) {
    for (auto [path, name, born] : {std::tuple{"kanye-west", "Kanye West", "1977-06-08"},
                                    std::tuple{"jay-z", "Jay-Z", "1969-12-04"},
                                    std::tuple{"kim-kardashian", "Kim Kardashian", "1980-10-21"}}) {
      auto r = client.post_json(std::string("/v1/celebrities/") + path + "/events",
                                registration(name, born), as(editor));
      REQUIRE_MESSAGE(r.status == 201, r.body);
    }
  }

  // Appends as the editor; returns the new event's id. REQUIRES 201.
  std::string append(const std::string& stream_path, const Json& event) {
    auto r = client.post_json(stream_path, event, as(editor));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return r.json().at("events").at(0).at("id").get<std::string>();
  }

  Json timeline(const std::string& celebrity, const std::string& query = "") {
    auto r = client.get("/v1/celebrities/" + celebrity + "/timeline" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json();
  }

  // The entries of `celebrity`'s timeline for `fact_id`.
  std::vector<Json> entries_of(const std::string& celebrity, const std::string& fact_id,
                               const std::string& query = "") {
    std::vector<Json> out;
    // Keep the document alive while iterating: a range-for over
    // timeline(...).at(...) would iterate a destroyed temporary.
    const Json doc = timeline(celebrity, query);
    for (const auto& e : doc.at("entries"))
      if (e.at("fact_id") == fact_id) out.push_back(e);
    return out;
  }

  std::int64_t head() { return client.get("/v1/events?limit=1").json().at("head"); }

  static Headers as(const std::string& secret) { return bearer(secret); }

  TempDir dir;
  std::string db = dir.file("starlog.db");
  std::string reader = create_token(db, "rita", "reader");
  std::string editor = create_token(db, "alice", "editor");
  std::string auditor = create_token(db, "otto", "auditor");
  std::string admin = create_token(db, "root", "admin");
  ServerProcess process;
  HttpClient client = process.client();
};

void check_problem(const HttpResult& r, int status, const std::string& slug) {
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.json().at("status") == status);
  CHECK(r.json().at("type") == "https://starlog.dev/problems/" + slug);
}

// ---------------------------------------------------------------------------
// Corrections and retractions

TEST_CASE("a correction moves the entry to its new date and records who corrected it and why") {
  Newsroom n;
  const std::string early = n.append(kKanye, album("The College Dropout", "2004-02-10"));
  const std::string fact = n.append(kKanye, album("Donda", "2020-07-24"));
  const std::string late = n.append(kKanye, album("Jesus Is King", "2019-10-25"));
  auto order = [&] {
    std::vector<std::string> ids;
    const Json doc = n.timeline("kanye-west");
    for (const auto& e : doc.at("entries")) ids.push_back(e.at("fact_id"));
    return ids;
  };
  REQUIRE(order() == std::vector<std::string>{early, late, fact});

  const std::string fix = n.append(
      kKanye,
      correction(fact, "Donda was announced for 24 July 2020 but released on 29 August 2021",
                 {{"occurred", "2021-08-29"}}));
  CHECK(order() == std::vector<std::string>{early, late, fact});  // still last, at its new date
  auto entries = n.entries_of("kanye-west", fact);
  REQUIRE(entries.size() == 1);
  const Json& e = entries[0];
  CHECK(e.at("occurred") == "2021-08-29");
  CHECK(e.at("start") == "2021-08-29T00:00:00Z");
  CHECK(e.at("display") == "29 August 2021");
  CHECK(e.at("age") == 44);
  CHECK(e.at("status") == "corrected");
  CHECK(e.at("retraction").is_null());
  CHECK(e.at("recorded_by") == "alice");
  REQUIRE(e.at("corrections").size() == 1);
  const Json& c = e.at("corrections")[0];
  CHECK(c.at("event_id") == fix);
  CHECK(c.at("reason").get<std::string>().starts_with("Donda was announced"));
  CHECK(c.at("recorded_by") == "alice");
  CHECK(std::regex_match(c.at("recorded_at").get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  // Moving it before the others reorders the timeline.
  n.append(kKanye, correction(fact, "an earlier date", {{"occurred", "2003"}}));
  CHECK(order() == std::vector<std::string>{fact, early, late});
  CHECK(n.entries_of("kanye-west", fact).at(0).at("corrections").size() == 2);
  // A date filter finds it at its new date only.
  CHECK(n.entries_of("kanye-west", fact, "?from=2021&to=2021").empty());
  CHECK(n.entries_of("kanye-west", fact, "?from=2003&to=2003").size() == 1);
}

TEST_CASE("a correction merges data key by key and replaces participants and sources") {
  Newsroom n;
  const std::string fact = n.append(
      kKanye, album("Donda", "2021-08-29", {{{"celebrity", "jay-z"}, {"role", "featured"}}}));
  REQUIRE(n.entries_of("jay-z", fact).size() == 1);
  REQUIRE(n.entries_of("kim-kardashian", fact).empty());

  n.append(kKanye,
           correction(fact, "wrong label and wrong guest",
                      {{"data", {{"label", nullptr}, {"tracks", {"Jail", "Hurricane"}}}},
                       {"participants", {{{"celebrity", "kim-kardashian"}, {"role", "cover"}}}},
                       {"sources",
                        {{{"url", "https://en.wikipedia.org/wiki/Donda_(album)"},
                          {"publisher", "Wikipedia"}}}}}));
  // The participant change moves the entry from Jay-Z's timeline to Kim's.
  CHECK(n.entries_of("jay-z", fact).empty());
  CHECK(n.entries_of("jay-z", fact, "?include=retracted").empty());
  auto kim = n.entries_of("kim-kardashian", fact);
  REQUIRE(kim.size() == 1);
  CHECK(kim[0].at("role") == "participant");
  CHECK(kim[0].at("status") == "corrected");
  CHECK(kim[0].at("age") == 40);  // Kim's age, on Kim's timeline
  const Json entry = n.entries_of("kanye-west", fact).at(0);
  CHECK(entry.at("data") == Json{{"title", "Donda"}, {"tracks", {"Jail", "Hurricane"}}});
  CHECK(entry.at("participants") ==
        Json::array({{{"celebrity", "kim-kardashian"}, {"role", "cover"}}}));
  CHECK(entry.at("sources").at(0).at("publisher") == "Wikipedia");
  CHECK(n.client.get("/v1/celebrities/jay-z").json().at("fact_count") == 0);
  CHECK(n.client.get("/v1/celebrities/kim-kardashian").json().at("fact_count") == 1);
}

TEST_CASE("a source's stated ages are stored, served and replaced by a correction") {
  Newsroom n;
  Json fact_event = album("Donda", "2021-08-29");
  fact_event["sources"] = {{{"url", "https://www.thesun.co.uk/"}, {"ages", {{"kanye-west", 37}}}}};
  const std::string fact = n.append(kKanye, fact_event);
  CHECK(n.entries_of("kanye-west", fact).at(0).at("sources").at(0).at("ages") ==
        Json{{"kanye-west", 37}});
  // A bad age is refused with its pointer, and nothing is written.
  Json bad = album("Donda 2", "2022-02-23");
  bad["sources"] = {{{"url", "https://www.thesun.co.uk/"}, {"ages", {{"kanye-west", 151}}}}};
  auto refused = n.client.post_json(kKanye, bad, n.as(n.editor));
  CHECK(refused.status == 422);
  CHECK(refused.json().at("errors").at(0).at("pointer") == "/sources/0/ages/kanye-west");
  n.append(
      kKanye,
      correction(
          fact, "the article's age is wrong",
          {{"sources", {{{"url", "https://www.thesun.co.uk/"}, {"ages", {{"kanye-west", 44}}}}}}}));
  const Json entry = n.entries_of("kanye-west", fact).at(0);
  CHECK(entry.at("sources").at(0).at("ages") == Json{{"kanye-west", 44}});
  CHECK(entry.at("status") == "corrected");
}

TEST_CASE("a correction must leave a valid fact: 422 with the pointer, and nothing written") {
  Newsroom n;
  const std::string fact = n.append(kKanye, album("Donda", "2021-08-29"));
  const auto before = n.head();
  struct Case {
    Json changes;
    std::string pointer;
  };
  const std::vector<Case> cases = {
      {{{"data", {{"title", nullptr}}}}, "/data/changes/data/title"},
      {{{"data", {{"venue", "Mercedes-Benz Stadium"}}}}, "/data/changes/data/venue"},
      {{{"occurred", "2021-02-29"}}, "/data/changes/occurred"},
      {{{"participants", {{{"celebrity", "nobody"}}}}}, "/data/changes/participants/0/celebrity"},
      {{{"participants", {{{"celebrity", "kanye-west"}}}}},
       "/data/changes/participants/0/celebrity"},
      {Json::object(), "/data/changes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.changes.dump());
    auto r = n.client.post_json(kKanye, correction(fact, "x", c.changes), n.as(n.editor));
    check_problem(r, 422, "validation-failed");
    bool found = false;
    const Json problem = r.json();
    for (const auto& e : problem.at("errors")) found = found || e.at("pointer") == c.pointer;
    CHECK_MESSAGE(found, r.body);
  }
  CHECK(n.head() == before);
  CHECK(n.entries_of("kanye-west", fact).at(0).at("status") == "active");
}

TEST_CASE("a retraction hides the entry everywhere unless include=retracted") {
  Newsroom n;
  const std::string fact = n.append(
      kKanye, album("Yandhi", "2018-09-29", {{{"celebrity", "jay-z"}, {"role", "guest"}}}));
  const std::string other = n.append(kKanye, album("Donda", "2021-08-29"));
  REQUIRE(n.client.get("/v1/celebrities/kanye-west").json().at("fact_count") == 2);

  const std::string gone = n.append(kKanye, retraction(fact, "Yandhi was never released"));
  for (const char* who : {"kanye-west", "jay-z"}) {
    CAPTURE(who);
    CHECK(n.entries_of(who, fact).empty());
    auto shown = n.entries_of(who, fact, "?include=retracted");
    REQUIRE(shown.size() == 1);
    CHECK(shown[0].at("status") == "retracted");
    CHECK(shown[0].at("retraction").at("event_id") == gone);
    CHECK(shown[0].at("retraction").at("reason") == "Yandhi was never released");
    CHECK(shown[0].at("retraction").at("recorded_by") == "alice");
  }
  CHECK(n.entries_of("kanye-west", other).size() == 1);
  const Json profile = n.client.get("/v1/celebrities/kanye-west").json();
  CHECK(profile.at("fact_count") == 1);
  CHECK(profile.at("first_occurred") == "2021-08-29");
  CHECK(n.client.get("/v1/celebrities/jay-z").json().at("fact_count") == 0);
}

TEST_CASE("correcting or retracting a retracted fact is 409; an unknown or foreign fact is 422") {
  Newsroom n;
  const std::string fact = n.append(kKanye, album("Yandhi", "2018-09-29"));
  const std::string kims = n.append("/v1/celebrities/kim-kardashian/events",
                                    {{"type", "statement_made"},
                                     {"occurred", "2021-09"},
                                     {"data", {{"quote", "We are supported by..."}}}});
  n.append(kKanye, retraction(fact, "never released"));
  const auto before = n.head();

  check_problem(n.client.post_json(kKanye, retraction(fact, "again"), n.as(n.editor)), 409,
                "conflict");
  check_problem(n.client.post_json(kKanye, correction(fact, "late fix", {{"occurred", "2019"}}),
                                   n.as(n.editor)),
                409, "conflict");
  auto foreign = n.client.post_json(kKanye, retraction(kims, "not Kanye's"), n.as(n.editor));
  check_problem(foreign, 422, "validation-failed");
  CHECK(foreign.json().at("errors").at(0).at("pointer") == "/data/fact_id");
  auto unknown = n.client.post_json(
      kKanye, correction("0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00", "?", {{"occurred", "2020"}}),
      n.as(n.editor));
  check_problem(unknown, 422, "validation-failed");
  CHECK(unknown.json().at("errors").at(0).at("pointer") == "/data/fact_id");
  CHECK(n.head() == before);
}

// ---------------------------------------------------------------------------
// Fact history

TEST_CASE(
    "GET /v1/facts/{id} returns the entry and every event that recorded, corrected or retracted "
    "it") {
  Newsroom n;
  const std::string fact = n.append(kKanye, album("Donda", "2020-07-24"));
  n.append(kKanye, album("Jesus Is King", "2019-10-25"));  // another fact: not in the history
  const std::string fix =
      n.append(kKanye, correction(fact, "release date", {{"occurred", "2021-08-29"}}));
  const std::string gone = n.append(kKanye, retraction(fact, "duplicate entry"));

  auto r = n.client.get("/v1/facts/" + fact);
  REQUIRE(r.status == 200);
  CHECK(!r.header("etag").empty());
  const Json doc = r.json();
  CHECK(doc.at("fact").at("fact_id") == fact);
  CHECK(doc.at("fact").at("status") == "retracted");
  CHECK(doc.at("fact").at("occurred") == "2021-08-29");
  const Json& h = doc.at("history");
  REQUIRE(h.size() == 3);
  CHECK(h[0].at("id") == fact);
  CHECK(h[0].at("type") == "album_released");
  CHECK(h[0].at("occurred") == "2020-07-24");  // the event as recorded, never rewritten
  CHECK(h[1].at("id") == fix);
  CHECK(h[1].at("type") == "fact_corrected");
  CHECK(h[2].at("id") == gone);
  CHECK(h[2].at("type") == "fact_retracted");
  for (const auto& e : h) {
    CHECK(e.at("recorded_by") == "alice");
    CHECK(e.at("hash").get<std::string>().size() == 64);
  }
  CHECK(h[0].at("position") < h[1].at("position"));
  CHECK(h[1].at("position") < h[2].at("position"));

  // Ids are UUIDs: any case finds the fact; a correction's own id is no fact.
  std::string upper = fact;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(n.client.get("/v1/facts/" + upper).status == 200);
  check_problem(n.client.get("/v1/facts/" + fix), 404, "not-found");
  check_problem(n.client.get("/v1/facts/0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00"), 404, "not-found");
}

// ---------------------------------------------------------------------------
// Profiles

TEST_CASE("celebrity_updated changes the directory, search, profile and ages at once") {
  Newsroom n;
  const std::string fact =
      n.append("/v1/celebrities/jay-z/events", {{"type", "album_released"},
                                                {"occurred", "2011-08-08"},
                                                {"data", {{"title", "Watch the Throne"}}}});
  REQUIRE(n.entries_of("jay-z", fact).at(0).at("age") == 41);

  n.append("/v1/celebrities/jay-z/events", {{"type", "celebrity_updated"},
                                            {"data",
                                             {{"name", "Shawn Carter"},
                                              {"aliases", {"Jay-Z", "Hova"}},
                                              {"born", "1970-12-04"},
                                              {"occupations", {"rapper", "businessman"}}}}});
  const Json profile = n.client.get("/v1/celebrities/jay-z").json();
  CHECK(profile.at("name") == "Shawn Carter");
  CHECK(profile.at("aliases") == Json{"Jay-Z", "Hova"});
  CHECK(profile.at("born") == "1970-12-04");
  CHECK(profile.at("occupations") == Json{"rapper", "businessman"});
  CHECK(profile.at("version") == 3);
  for (const char* q : {"shawn", "carter", "hov", "jay"}) {
    CAPTURE(q);
    const Json items = n.client.get(std::string("/v1/celebrities?q=") + q).json().at("items");
    REQUIRE(items.size() == 1);
    CHECK(items[0].at("name") == "Shawn Carter");
  }
  CHECK(n.timeline("jay-z").at("celebrity").at("name") == "Shawn Carter");
  CHECK(n.entries_of("jay-z", fact).at(0).at("age") == 40);

  // Only the fields sent change; an empty update is refused.
  n.append("/v1/celebrities/jay-z/events",
           {{"type", "celebrity_updated"}, {"data", {{"aliases", {"Hova"}}}}});
  CHECK(n.client.get("/v1/celebrities/jay-z").json().at("name") == "Shawn Carter");
  CHECK(n.client.get("/v1/celebrities?q=jay").json().at("items").empty());
  check_problem(
      n.client.post_json("/v1/celebrities/jay-z/events",
                         {{"type", "celebrity_updated"}, {"data", Json::object()}}, n.as(n.editor)),
      422, "validation-failed");
}

// ---------------------------------------------------------------------------
// Auth

TEST_CASE("writes need an editor or admin token: 401 without one, 403 with a weaker role") {
  Newsroom n;
  const auto before = n.head();
  const Json event = album("Donda", "2021-08-29");

  auto anonymous = n.client.post_json(kKanye, event);
  check_problem(anonymous, 401, "unauthorized");
  CHECK(anonymous.header("www-authenticate") == "Bearer");

  for (const std::string* secret : {&n.reader, &n.auditor}) {
    auto r = n.client.post_json(kKanye, event, n.as(*secret));
    check_problem(r, 403, "forbidden");
  }
  for (const std::string& bad : {unknown_secret('x'), std::string("hunter2")}) {
    auto r = n.client.post_json(kKanye, event, n.as(bad));
    check_problem(r, 401, "unauthorized");
    CHECK(r.header("www-authenticate") == "Bearer error=\"invalid_token\"");
  }
  CHECK(n.head() == before);

  auto by_admin = n.client.post_json(kKanye, event, n.as(n.admin));
  REQUIRE(by_admin.status == 201);
  const std::string id = by_admin.json().at("events")[0].at("id");
  CHECK(n.client.get("/v1/facts/" + id).json().at("fact").at("recorded_by") == "root");
}

TEST_CASE("reads are anonymous, but a token sent with a read is still checked") {
  Newsroom n;
  CHECK(n.client.get("/v1/celebrities/kanye-west/timeline").status == 200);
  CHECK(n.client.get("/v1/celebrities/kanye-west/timeline", n.as(n.reader)).status == 200);
  auto r = n.client.get("/v1/celebrities/kanye-west/timeline", n.as(unknown_secret('x')));
  check_problem(r, 401, "unauthorized");
  CHECK(r.header("www-authenticate") == "Bearer error=\"invalid_token\"");
  CHECK(n.client.get("/healthz", n.as("garbage")).status == 200);
}

TEST_CASE("as_of reads are for auditors and admins") {
  Newsroom n;
  const std::string q = "/v1/celebrities/kanye-west/timeline?as_of_position=1";
  auto anonymous = n.client.get(q);
  check_problem(anonymous, 401, "unauthorized");
  CHECK(anonymous.header("www-authenticate") == "Bearer");
  check_problem(n.client.get(q, n.as(n.reader)), 403, "forbidden");
  check_problem(n.client.get(q, n.as(n.editor)), 403, "forbidden");
  CHECK(n.client.get(q, n.as(n.auditor)).status / 100 != 4);
  CHECK(n.client.get(q, n.as(n.admin)).status / 100 != 4);
}

TEST_CASE("serve --private makes every read need a token, health checks excepted") {
  Newsroom n({"--private"});
  for (const char* path :
       {"/v1/celebrities", "/v1/celebrities/kanye-west", "/v1/celebrities/kanye-west/timeline",
        "/v1/celebrities/kanye-west/events", "/v1/events"}) {
    CAPTURE(path);
    auto r = n.client.get(path);
    check_problem(r, 401, "unauthorized");
    CHECK(r.header("www-authenticate") == "Bearer");
    CHECK(n.client.get(path, n.as(n.reader)).status == 200);
  }
  CHECK(n.client.get("/healthz").status == 200);
  CHECK(n.client.get("/readyz").status == 200);
}

TEST_CASE(
    "a token revoked by `starlog token revoke` is refused on the next request, without a restart") {
  Newsroom n({"--private"});
  const pid_t pid = n.process.pid();
  REQUIRE(n.client.post_json(kKanye, album("Donda", "2021-08-29"), n.as(n.editor)).status == 201);
  REQUIRE(n.client.get("/v1/events", n.as(n.reader)).status == 200);

  for (const char* name : {"alice", "rita"}) {
    auto revoke = run_starlog({"token", "revoke", name, "--db", n.db});
    CAPTURE(revoke.err);
    REQUIRE(revoke.exit_code == 0);
  }
  auto write = n.client.post_json(kKanye, album("Donda 2", "2022-02-23"), n.as(n.editor));
  check_problem(write, 401, "unauthorized");
  CHECK(write.header("www-authenticate") == "Bearer error=\"invalid_token\"");
  check_problem(n.client.get("/v1/events", n.as(n.reader)), 401, "unauthorized");
  // Other tokens are untouched, and it is still the same server process.
  CHECK(n.client.post_json(kKanye, album("Donda 2", "2022-02-23"), n.as(n.admin)).status == 201);
  CHECK(n.process.pid() == pid);
  CHECK(n.process.running());
}

TEST_CASE("no secret appears in the server's output or in the database files") {
  std::vector<std::string> secrets;
  std::string output;
  {
    Newsroom n({"--private"});
    secrets = {n.reader, n.editor, n.auditor, n.admin};
    const std::string unknown = unknown_secret('Q');
    secrets.push_back(unknown);
    // Every path a secret can take: good, forbidden, unknown, revoked, and a
    // request that fails validation.
    n.append(kKanye, album("Donda", "2021-08-29"));
    n.client.post_json(kKanye, album("X", "2021-02-30"), n.as(n.editor));
    n.client.post_json(kKanye, album("X", "2021"), n.as(n.reader));
    n.client.get("/v1/events", n.as(unknown));
    n.client.get("/v1/nothing", n.as(n.admin));
    REQUIRE(run_starlog({"token", "revoke", "otto", "--db", n.db}).exit_code == 0);
    n.client.get("/v1/events", n.as(n.auditor));
    auto list = run_starlog({"token", "list", "--db", n.db});
    REQUIRE(list.exit_code == 0);
    output = list.out + list.err;
    // While the server runs, recent writes may sit in the -wal file.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      if (std::filesystem::exists(n.db + suffix)) output += slurp(n.db + suffix);
    }
    CHECK(n.process.stop() == 0);
    output += n.process.output();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      if (std::filesystem::exists(n.db + suffix)) output += slurp(n.db + suffix);
    }
  }
  REQUIRE(secrets.size() == 5);
  for (const auto& s : secrets) {
    CHECK(output.find(s) == std::string::npos);
    CHECK(output.find(s.substr(4)) == std::string::npos);  // not even without its prefix
  }
}

TEST_CASE(
    "starlog token create prints only the secret; list shows no secret or hash; revoke names the "
    "token") {
  TempDir dir;
  const std::string db = dir.file("s.db");
  auto created =
      run_starlog({"token", "create", "--db", db, "--name", "alice", "--role", "editor"});
  REQUIRE(created.exit_code == 0);
  CHECK(std::regex_match(created.out, std::regex("stl_[A-Za-z0-9_-]{43}\n")));
  CHECK(created.err.find("alice") != std::string::npos);
  const std::string secret = created.out.substr(0, created.out.size() - 1);

  auto again = run_starlog({"token", "create", "--db", db, "--name", "alice", "--role", "admin"});
  CHECK(again.exit_code == 1);
  CHECK(again.out.empty());
  CHECK(
      run_starlog({"token", "create", "--db", db, "--name", "Bob", "--role", "editor"}).exit_code ==
      2);
  CHECK(run_starlog({"token", "create", "--db", db, "--name", "bob", "--role", "root"}).exit_code ==
        2);
  CHECK(run_starlog({"token", "create", "--db", db, "--name", "bob"}).exit_code == 2);
  CHECK(
      run_starlog({"token", "create", "--db", db, "--name", "bob", "--role", "reader"}).exit_code ==
      0);

  auto revoke = run_starlog({"token", "revoke", "bob", "--db", db});
  CHECK(revoke.exit_code == 0);
  auto unknown = run_starlog({"token", "revoke", "nobody", "--db", db});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("nobody") != std::string::npos);

  auto list = run_starlog({"token", "list", "--db", db});
  REQUIRE(list.exit_code == 0);
  std::istringstream lines(list.out);
  std::string header, alice, bob, extra;
  std::getline(lines, header);
  std::getline(lines, alice);
  std::getline(lines, bob);
  CHECK_FALSE(std::getline(lines, extra));
  CHECK(header.find("NAME") != std::string::npos);
  CHECK(header.find("ROLE") != std::string::npos);
  CHECK(header.find("CREATED_AT") != std::string::npos);
  CHECK(header.find("REVOKED_AT") != std::string::npos);
  CHECK(std::regex_search(alice, std::regex(R"(^alice +editor +\d{4}-\d\d-\d\dT[\d:.]+Z +-$)")));
  CHECK(std::regex_search(bob, std::regex(R"(^bob +reader +\S+Z +\d{4}-\d\d-\d\dT[\d:.]+Z$)")));
  CHECK(list.out.find(secret) == std::string::npos);
  CHECK_FALSE(std::regex_search(list.out, std::regex("[0-9a-f]{64}")));

  for (const std::vector<std::string>& args : {std::vector<std::string>{"token", "--help"},
                                               {"token", "create", "--help"},
                                               {"token", "list", "--help"},
                                               {"token", "revoke", "--help"}}) {
    auto r = run_starlog(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("usage: starlog token") != std::string::npos);
  }
  CHECK(run_starlog({"token"}).exit_code == 2);
  CHECK(run_starlog({"token", "delete", "alice"}).exit_code == 2);
  CHECK(run_starlog({"token", "list", "--bogus"}).exit_code == 2);
}

// ---------------------------------------------------------------------------
// The demo

TEST_CASE("the demo shows the article's Jay-Z claim as printed, then corrected with its reason") {
  TempDir dir;
  ServerProcess p(dir.file("starlog.db"),
                  {"--demo", std::string(STARLOG_SOURCE_DIR) + "/data/demo"});
  HttpClient c = p.client();
  const std::string fact = "6e28ddb6-9d1d-4be7-9e50-15e8bb9c05f3";
  auto r = c.get("/v1/facts/" + fact);
  REQUIRE(r.status == 200);
  const Json doc = r.json();
  const Json& entry = doc.at("fact");
  CHECK(entry.at("status") == "corrected");
  CHECK(entry.at("data").at("works") == Json{"Jail"});
  CHECK(entry.at("participants").at(0).at("celebrity") == "jay-z");
  CHECK(entry.at("sources").at(0).at("publisher") == "The Sun");
  REQUIRE(entry.at("corrections").size() == 1);
  CHECK(entry.at("corrections")[0].at("reason").get<std::string>().find("Watch the Throne") !=
        std::string::npos);
  const Json& h = doc.at("history");
  REQUIRE(h.size() == 2);
  CHECK(h[0].at("data").at("works") ==
        Json{"Donda", "Otis", "Made In America", "No Church In The Wild"});
  CHECK(h[0].at("sources").at(0).at("quote").get<std::string>().find(
            "Donda, Otis, Made In America, and No Church In The Wild") != std::string::npos);
  CHECK(h[1].at("type") == "fact_corrected");
  CHECK(h[1].at("sources").size() == 3);

  // On both timelines, as corrected.
  for (const char* who : {"kanye-west", "jay-z"}) {
    CAPTURE(who);
    bool seen = false;
    const Json doc = c.get(std::string("/v1/celebrities/") + who + "/timeline").json();
    for (const auto& e : doc.at("entries")) {
      if (e.at("fact_id") != fact) continue;
      seen = true;
      CHECK(e.at("status") == "corrected");
      CHECK(e.at("data").at("works") == Json{"Jail"});
    }
    CHECK(seen);
  }
}

}  // namespace
}  // namespace starlog::test
