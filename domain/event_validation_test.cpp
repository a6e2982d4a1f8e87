#include "domain/event_validation.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <string>

using namespace starlog;
using namespace starlog::domain;

namespace {

const char* const kId = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";

Json album() {
  return {{"type", "album_released"},
          {"occurred", "2021-08-29"},
          {"data", {{"title", "Donda"}, {"label", "GOOD Music"}}}};
}

std::vector<FieldError> errors_of(const Json& event, const std::string& at = "") {
  auto r = validate_new_event(event, at);
  if (r) return {};
  CHECK(r.status().code() == Code::invalid);
  return r.status().errors();
}

bool has_pointer(const std::vector<FieldError>& errors, std::string_view pointer) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.pointer == pointer; });
}

// Exactly one error, at `pointer`.
void check_single(const Json& event, std::string_view pointer) {
  auto e = errors_of(event);
  CAPTURE(event.dump());
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == pointer);
  CHECK_FALSE(e[0].message.empty());
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

Json with(Json j, const std::string& key, Json value) {
  j[key] = std::move(value);
  return j;
}

Json participants(std::size_t n) {
  Json a = Json::array();
  for (std::size_t i = 0; i < n; ++i)
    a.push_back({{"celebrity", std::string("p").append(std::to_string(i))}});
  return a;
}

Json sources(std::size_t n) {
  Json a = Json::array();
  for (std::size_t i = 0; i < n; ++i)
    a.push_back({{"url", "https://example.com/" + std::to_string(i)}});
  return a;
}

}  // namespace

TEST_CASE("a valid event becomes a NewEvent with a fresh UUIDv7 when it has no id") {
  auto r = validate_new_event(album(), "");
  REQUIRE(r.ok());
  CHECK(r->id_generated);
  REQUIRE(r->id.size() == 36);
  CHECK(r->id[14] == '7');
  CHECK(r->type == "album_released");
  CHECK(r->occurred == "2021-08-29");
  CHECK(r->data == album()["data"]);
  CHECK(r->participants == Json::array());
  CHECK(r->sources == Json::array());
}

TEST_CASE("a client id is kept in its lower-case canonical form") {
  auto r = validate_new_event(with(album(), "id", "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00"), "");
  REQUIRE(r.ok());
  CHECK_FALSE(r->id_generated);
  CHECK(r->id == kId);
  SUBCASE("any UUID version is an id") {
    auto v4 = validate_new_event(with(album(), "id", "89bf9446-8e3b-4755-9bf1-3bee36323c31"), "");
    REQUIRE(v4.ok());
    CHECK(v4->id == "89bf9446-8e3b-4755-9bf1-3bee36323c31");
  }
}

TEST_CASE("a bad id is an error at /id") {
  check_single(with(album(), "id", "not-a-uuid"), "/id");
  check_single(with(album(), "id", 12), "/id");
  check_single(with(album(), "id", nullptr), "/id");
  check_single(with(album(), "id", "{0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00}"), "/id");
}

TEST_CASE("unknown top-level fields are errors, stream included") {
  check_single(with(album(), "title", "Donda"), "/title");
  check_single(with(album(), "version", 3), "/version");
  auto e = errors_of(with(album(), "stream", "kanye-west"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/stream");
  CHECK(e[0].message.find("URL") != std::string::npos);
  check_single(with(album(), "a/b", 1), "/a~1b");
}

TEST_CASE("type must be a known type name") {
  Json no_type = album();
  no_type.erase("type");
  auto e = errors_of(no_type);
  CHECK(has_pointer(e, "/type"));
  check_single(with(album(), "type", "album_dropped"), "/type");
  check_single(with(album(), "type", 7), "/type");
  check_single(with(album(), "type", "ALBUM_RELEASED"), "/type");
}

TEST_CASE("an unknown type still reports the other errors") {
  Json j = {
      {"type", "nope"}, {"occurred", "2021-02-29"}, {"data", 3}, {"sources", {{{"url", "x"}}}}};
  auto e = errors_of(j);
  CHECK(has_pointer(e, "/type"));
  CHECK(has_pointer(e, "/occurred"));
  CHECK(has_pointer(e, "/data"));
  CHECK(has_pointer(e, "/sources/0/url"));
}

TEST_CASE("occurred follows the type: absent, required, or interval allowed") {
  SUBCASE("required and missing") {
    Json j = album();
    j.erase("occurred");
    check_single(j, "/occurred");
  }
  SUBCASE("absent types refuse it") {
    check_single(
        {{"type", "celebrity_registered"}, {"occurred", "2021"}, {"data", {{"name", "K"}}}},
        "/occurred");
    check_single({{"type", "fact_retracted"},
                  {"occurred", "2021"},
                  {"data", {{"fact_id", kId}, {"reason", "r"}}}},
                 "/occurred");
  }
  SUBCASE("a bad date carries the parser's message") {
    for (const char* bad : {"2021-02-29", "2021-13", "2021-08-29T24:00Z", "2021-08-29T20:00+15:00",
                            "2021-08-29T20:00[Mars/Olympus]", "0000", "10000", "yesterday", ""}) {
      CAPTURE(bad);
      auto e = errors_of(with(album(), "occurred", bad));
      REQUIRE(e.size() == 1);
      CHECK(e[0].pointer == "/occurred");
      CHECK_FALSE(e[0].message.empty());
    }
  }
  SUBCASE("occurred must be a string") {
    check_single(with(album(), "occurred", 2021), "/occurred");
    check_single(with(album(), "occurred", nullptr), "/occurred");
  }
  SUBCASE("every accepted date form") {
    for (const char* ok :
         {"2021", "2021-08", "2021-08-29", "2021-08-29T20:00Z", "2021-08-29T20:00:05-04:00",
          "2021-08-29T20:00[America/New_York]", "2021~", "2021-08?"}) {
      CAPTURE(ok);
      CHECK(errors_of(with(album(), "occurred", ok)).empty());
    }
  }
  SUBCASE("only live_event_held takes an interval") {
    check_single(with(album(), "occurred", "2021-07-22/2021-08-05"), "/occurred");
    Json live = {
        {"type", "live_event_held"},
        {"occurred", "2021-07-22/2021-08-05"},
        {"data", {{"name", "Donda listening events"}, {"venue", "Mercedes-Benz Stadium"}}}};
    CHECK(errors_of(live).empty());
    check_single(with(live, "occurred", "2021-08-05/2021-07-22"), "/occurred");
  }
}

TEST_CASE("data must be an object; a missing data is empty and its required fields fail") {
  Json j = album();
  j.erase("data");
  check_single(j, "/data/title");
  check_single(with(album(), "data", Json::array()), "/data");
  check_single(with(album(), "data", "Donda"), "/data");
}

TEST_CASE("every error of an event is reported at once") {
  Json j = {{"type", "album_released"},
            {"occurred", "2021-02-29"},
            {"data", {{"label", 5}, {"genre", "rap"}}},
            {"participants", {{{"celebrity", "Jay Z"}}}},
            {"sources", {{{"url", "ftp://x"}}}},
            {"extra", true}};
  auto e = errors_of(j);
  CHECK(has_pointer(e, "/occurred"));
  CHECK(has_pointer(e, "/data/title"));
  CHECK(has_pointer(e, "/data/label"));
  CHECK(has_pointer(e, "/data/genre"));
  CHECK(has_pointer(e, "/participants/0/celebrity"));
  CHECK(has_pointer(e, "/sources/0/url"));
  CHECK(has_pointer(e, "/extra"));
  CHECK(e.size() == 7);
}

TEST_CASE("the pointer prefix of the event is put before every error") {
  auto e = errors_of(with(album(), "occurred", "nope"), "/3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/3/occurred");
}

TEST_CASE("participants are at most 20 slug objects with an optional role") {
  CHECK(errors_of(with(album(), "participants",
                       {{{"celebrity", "jay-z"}, {"role", "featured artist"}},
                        {{"celebrity", "kim-kardashian"}}}))
            .empty());
  CHECK(errors_of(with(album(), "participants", participants(20))).empty());
  check_single(with(album(), "participants", participants(21)), "/participants");
  check_single(with(album(), "participants", Json::object()), "/participants");
  check_single(with(album(), "participants", {"jay-z"}), "/participants/0");
  check_single(with(album(), "participants", {{{"role", "x"}}}), "/participants/0/celebrity");
  check_single(with(album(), "participants", {{{"celebrity", 1}}}), "/participants/0/celebrity");
  check_single(with(album(), "participants", {{{"celebrity", "Jay-Z"}}}),
               "/participants/0/celebrity");
  check_single(with(album(), "participants", {{{"celebrity", "jay-z"}, {"since", 2000}}}),
               "/participants/0/since");
  check_single(with(album(), "participants", {{{"celebrity", "jay-z"}, {"role", 3}}}),
               "/participants/0/role");
  check_single(
      with(album(), "participants", {{{"celebrity", "jay-z"}, {"role", repeat("r", 201)}}}),
      "/participants/0/role");
  check_single(with(album(), "participants", {{{"celebrity", "jay-z"}, {"role", "a\nb"}}}),
               "/participants/0/role");
  SUBCASE("no celebrity twice") {
    auto e = errors_of(
        with(album(), "participants",
             {{{"celebrity", "jay-z"}}, {{"celebrity", "kim"}}, {{"celebrity", "jay-z"}}}));
    REQUIRE(e.size() == 1);
    CHECK(e[0].pointer == "/participants/2/celebrity");
  }
}

TEST_CASE("events that record no fact take no participants") {
  check_single({{"type", "celebrity_registered"},
                {"data", {{"name", "K"}}},
                {"participants", {{{"celebrity", "jay-z"}}}}},
               "/participants");
  CHECK(errors_of({{"type", "celebrity_registered"},
                   {"data", {{"name", "K"}}},
                   {"participants", Json::array()}})
            .empty());
}

TEST_CASE("a source states ages as celebrity ids to whole years from 0 to 150") {
  auto source = [](Json ages) {
    return Json::array({{{"url", "https://www.thesun.co.uk/"}, {"ages", std::move(ages)}}});
  };
  CHECK(
      errors_of(with(album(), "sources", source({{"kanye-west", 37}, {"north-west", 8}}))).empty());
  CHECK(errors_of(with(album(), "sources", source({{"a", 0}, {"b", 150}}))).empty());
  CHECK(errors_of(with(album(), "sources", source(Json::object()))).empty());
  CHECK(errors_of(with(album(), "sources", source({{"kanye-west", 37.0}}))).empty());
  check_single(with(album(), "sources", source({{"kanye-west", 151}})),
               "/sources/0/ages/kanye-west");
  check_single(with(album(), "sources", source({{"kanye-west", -1}})),
               "/sources/0/ages/kanye-west");
  check_single(with(album(), "sources", source({{"kanye-west", 37.5}})),
               "/sources/0/ages/kanye-west");
  check_single(with(album(), "sources", source({{"kanye-west", "37"}})),
               "/sources/0/ages/kanye-west");
  check_single(with(album(), "sources", source({{"kanye-west", true}})),
               "/sources/0/ages/kanye-west");
  check_single(with(album(), "sources", source({{"Kanye West", 37}})),
               "/sources/0/ages/Kanye West");
  check_single(with(album(), "sources", source({{"a/b", 37}})), "/sources/0/ages/a~1b");
  check_single(with(album(), "sources", source({37})), "/sources/0/ages");
  Json many = Json::object();
  for (int i = 0; i < 21; ++i) many["c" + std::to_string(i)] = 30;
  check_single(with(album(), "sources", source(many)), "/sources/0/ages");
  // A correction replaces the sources, ages included, under the same rules.
  check_single({{"type", "fact_corrected"},
                {"data",
                 {{"fact_id", "f17fb0f0-ed12-415d-afca-a3b26d7abc54"},
                  {"reason", "the source's age"},
                  {"changes", {{"sources", source({{"kanye-west", 200}})}}}}}},
               "/data/changes/sources/0/ages/kanye-west");
}

TEST_CASE("sources are at most 20 objects with an http(s) url, publisher and quote") {
  CHECK(errors_of(with(album(), "sources",
                       {{{"url", "https://www.thesun.co.uk/"},
                         {"publisher", "The Sun"},
                         {"quote", "His new album,\nnamed after his late mother"}}}))
            .empty());
  CHECK(errors_of(with(album(), "sources", sources(20))).empty());
  check_single(with(album(), "sources", sources(21)), "/sources");
  check_single(with(album(), "sources", "https://x.com"), "/sources");
  check_single(with(album(), "sources", {"https://x.com"}), "/sources/0");
  check_single(with(album(), "sources", {{{"publisher", "P"}}}), "/sources/0/url");
  check_single(with(album(), "sources", {{{"url", "https://x.com"}, {"author", "A"}}}),
               "/sources/0/author");
  check_single(
      with(album(), "sources", {{{"url", "https://x.com"}, {"publisher", repeat("p", 201)}}}),
      "/sources/0/publisher");
  check_single(with(album(), "sources", {{{"url", "https://x.com"}, {"quote", repeat("q", 2001)}}}),
               "/sources/0/quote");
  CHECK(errors_of(
            with(album(), "sources", {{{"url", "https://x.com"}, {"quote", repeat("q", 2000)}}}))
            .empty());
  check_single(with(album(), "sources", {{{"url", "https://x.com"}, {"quote", "a\tb"}}}),
               "/sources/0/quote");
}

TEST_CASE("a source url is an absolute http or https URL with a host") {
  for (const char* ok :
       {"http://example.com", "https://example.com/a?b=c#d", "HTTPS://Example.COM/",
        "https://user@example.com:8443/x", "http://[2001:db8::1]:80/",
        "https://b\u00fccher.example/", "https://en.wikipedia.org/wiki/Donda_(album)"}) {
    CAPTURE(ok);
    CHECK(errors_of(with(album(), "sources", {{{"url", ok}}})).empty());
  }
  for (const char* bad :
       {"", "example.com", "//example.com", "ftp://example.com/", "javascript:alert(1)",
        "mailto:a@b.c", "https://", "https:///path", "https://:80/", "https://exa mple.com",
        "https://example.com/a b", "https://example.com/\n", "https://example.com:99999/",
        "https://example.com:x/", "https://[::1/", "https://ex<ample.com"}) {
    CAPTURE(bad);
    check_single(with(album(), "sources", {{{"url", bad}}}), "/sources/0/url");
  }
  check_single(with(album(), "sources", {{{"url", 5}}}), "/sources/0/url");
  SUBCASE("at most 2048 characters") {
    const std::string base = "https://example.com/";
    CHECK(errors_of(with(album(), "sources", {{{"url", base + repeat("a", 2048 - base.size())}}}))
              .empty());
    check_single(with(album(), "sources", {{{"url", base + repeat("a", 2049 - base.size())}}}),
                 "/sources/0/url");
  }
}

TEST_CASE("an event is at most 64 KiB serialized") {
  // 20 quotes of 2,000 two-byte characters: each field within its limit, the
  // whole event over 64 KiB.
  Json big = Json::array();
  for (int i = 0; i < 20; ++i)
    big.push_back({{"url", "https://x.com"}, {"quote", repeat("\u00e9", 2000)}});
  check_single(with(album(), "sources", big), "");
  auto e = errors_of(with(album(), "sources", big), "/4");
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/4");
  CHECK(e[0].message.find("65536") != std::string::npos);
}

TEST_CASE("deeply nested JSON is refused before it is walked") {
  Json deep = "x";
  for (int i = 0; i < 100; ++i) deep = Json::array({std::move(deep)});
  auto e = errors_of(with(album(), "data", {{"title", "T"}, {"label", deep}}));
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "");
}

TEST_CASE("a parsed body nested 100,000 deep is refused without exhausting the stack") {
  const std::string text =
      R"({"type":"album_released","occurred":"2021","data":{"title":"T","label":)" +
      std::string(100000, '[') + std::string(100000, ']') + "}}";
  const Json j = Json::parse(text);
  auto e = errors_of(j, "/7");
  REQUIRE(e.size() == 1);
  CHECK(e[0].pointer == "/7");
}

TEST_CASE("a correction's fact_id is stored lower-case") {
  Json j = {{"type", "fact_corrected"},
            {"data",
             {{"fact_id", "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00"},
              {"reason", "typo"},
              {"changes", {{"data", {{"title", "Donda 2"}}}}}}}};
  auto r = validate_new_event(j, "");
  REQUIRE(r.ok());
  CHECK(r->data["fact_id"] == kId);
  CHECK_FALSE(r->occurred.has_value());
}

TEST_CASE("a request body is one event object or a non-empty array of them") {
  SUBCASE("one object") {
    auto r = validate_request_body(album());
    REQUIRE(r.ok());
    CHECK(r->size() == 1);
  }
  SUBCASE("an array keeps its order") {
    Json body = Json::array({album(), with(album(), "occurred", "2021")});
    auto r = validate_request_body(body);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].occurred == "2021-08-29");
    CHECK((*r)[1].occurred == "2021");
    CHECK((*r)[0].id != (*r)[1].id);
  }
  SUBCASE("other top-level shapes are malformed") {
    for (const Json& body : {Json(nullptr), Json(1), Json("event"), Json(true), Json::array()}) {
      CAPTURE(body.dump());
      auto r = validate_request_body(body);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Code::malformed);
    }
  }
  SUBCASE("a single invalid event has bare pointers") {
    auto r = validate_request_body(with(album(), "occurred", "x"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::invalid);
    REQUIRE(r.status().errors().size() == 1);
    CHECK(r.status().errors()[0].pointer == "/occurred");
  }
}

TEST_CASE("a batch reports every error of every event under its index") {
  Json bad_title = album();
  bad_title["data"].erase("title");
  Json body = Json::array({album(), bad_title, 42, with(album(), "occurred", "2021-02-30")});
  auto r = validate_request_body(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::invalid);
  const auto& e = r.status().errors();
  REQUIRE(e.size() == 3);
  CHECK(e[0].pointer == "/1/data/title");
  CHECK(e[1].pointer == "/2");
  CHECK(e[2].pointer == "/3/occurred");
}

TEST_CASE("a batch holds at most 1000 events") {
  Json body = Json::array();
  for (int i = 0; i < 1000; ++i) body.push_back(album());
  auto ok = validate_request_body(body);
  REQUIRE(ok.ok());
  CHECK(ok->size() == 1000);
  body.push_back(album());
  auto r = validate_request_body(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::invalid);
  REQUIRE(r.status().errors().size() == 1);
  CHECK(r.status().errors()[0].pointer == "");
}

TEST_CASE("one id twice in a batch is an error at the second") {
  Json body = Json::array({with(album(), "id", kId), album(),
                           with(album(), "id", "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00")});
  auto r = validate_request_body(body);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().errors().size() == 1);
  CHECK(r.status().errors()[0].pointer == "/2/id");
}

TEST_CASE("is_valid_slug follows the celebrity id pattern") {
  for (const char* ok : {"a", "0", "kanye-west", "jay-z", "a1", "a--b", "50-cent"}) {
    CAPTURE(ok);
    CHECK(is_valid_slug(ok));
  }
  CHECK(is_valid_slug(repeat("a", 64)));
  CHECK_FALSE(is_valid_slug(repeat("a", 65)));
  for (const char* bad :
       {"", "-a", "a-", "-", "Kanye", "kanye_west", "kanye west", "k\u00e9", "a.b", "a/b"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_slug(bad));
  }
}

TEST_CASE("pointer_token escapes ~ and / per RFC 6901") {
  CHECK(pointer_token("plain") == "plain");
  CHECK(pointer_token("a/b~c") == "a~1b~0c");
  CHECK(pointer_token("~1") == "~01");
}

TEST_CASE("check_strings_anywhere walks keys, arrays and nested objects") {
  std::vector<FieldError> out;
  check_strings_anywhere(
      {{"ok", "line\nbreak"}, {"list", {"a", "b\tc"}}, {"n", {{"x", "\x01"}}}, {"num", 1}}, "/d",
      out);
  REQUIRE(out.size() == 2);
  CHECK(has_pointer(out, "/d/list/1"));
  CHECK(has_pointer(out, "/d/n/x"));
  out.clear();
  check_strings_anywhere({{"k\x01", "v"}}, "/d", out);
  CHECK(has_pointer(out, "/d/k\x01"));
  out.clear();
  check_strings_anywhere({{"t", repeat("a", 2001)}}, "/d", out);
  CHECK(has_pointer(out, "/d/t"));
}

#ifdef STARLOG_SOURCE_DIR
TEST_CASE("every demo event validates once its stream is taken out") {
  for (const char* file : {"010_celebrities.ndjson", "020_donda.ndjson", "030_podcast.ndjson",
                           "040_corrections.ndjson"}) {
    std::ifstream in(std::string(STARLOG_SOURCE_DIR) + "/data/demo/" + file);
    if (!in) continue;  // the demo data may move; the rules are tested above
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      Json j = Json::parse(line);
      j.erase("stream");
      auto r = validate_new_event(j, "");
      CAPTURE(line);
      CHECK(r.ok());
      if (!r.ok())
        for (const auto& e : r.status().errors()) MESSAGE(e.pointer << ": " << e.message);
    }
  }
}
#endif

namespace {
Event stored_album() {
  Event e;
  e.id = kId;
  e.stream = "kanye-west";
  e.version = 2;
  e.position = 7;
  e.type = "album_released";
  e.occurred = "2021-08-29";
  e.data = {{"title", "Donda"}, {"label", "GOOD Music"}};
  return e;
}
std::vector<FieldError> stored_errors(const Event& e) {
  Status s = validate_stored_event(e);
  if (s) return {};
  CHECK(s.code() == Code::invalid);
  return s.errors();
}
}  // namespace

TEST_CASE("a stored event is validated as an append would be: stream, id, type and content") {
  CHECK(validate_stored_event(stored_album()));

  Event unknown = stored_album();
  unknown.type = "album_leaked";
  CHECK(has_pointer(stored_errors(unknown), "/type"));

  Event no_title = stored_album();
  no_title.data.erase("title");
  CHECK(has_pointer(stored_errors(no_title), "/data/title"));

  Event undated = stored_album();
  undated.occurred.reset();
  CHECK(has_pointer(stored_errors(undated), "/occurred"));

  Event bad_stream = stored_album();
  bad_stream.stream = "Kanye West";
  CHECK(has_pointer(stored_errors(bad_stream), "/stream"));

  Event upper_id = stored_album();
  upper_id.id = "0190F7F4-3C1E-7A2B-9D4E-5B6C7D8E9F00";
  const auto id_errors = stored_errors(upper_id);
  CHECK(id_errors.size() == 1);
  CHECK(has_pointer(id_errors, "/id"));
}

TEST_CASE("an erased stored event has no content to check, only its stream and id") {
  Event erased = stored_album();
  erased.type.clear();
  erased.occurred.reset();
  erased.data = Json::object();
  erased.erasure = Erasure{std::string(64, 'a'), kId, {}, {}, {}};
  CHECK(validate_stored_event(erased));
  erased.id = "not-a-uuid";
  CHECK(has_pointer(stored_errors(erased), "/id"));
}
