// End-to-end tests of the frontend-facing reads (issue #5): HTTP caching,
// the live feed (SSE), TimelineJS, CORS and gzip, against the real binary.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "api/compression.h"
#include "tests/support/cli.h"
#include "tests/support/server_process.h"
#include "tests/support/sse_client.h"

namespace starlog::test {
namespace {

using namespace std::chrono_literals;

Json registration(std::string name, std::string born = "") {
  Json data = {{"name", std::move(name)}};
  if (!born.empty()) data["born"] = born;
  return {{"type", "celebrity_registered"}, {"data", data}};
}

Json album(std::string title, std::string occurred, Json sources = Json::array()) {
  return {{"type", "album_released"},
          {"occurred", std::move(occurred)},
          {"data", {{"title", std::move(title)}}},
          {"sources", std::move(sources)}};
}

std::string events_of(std::string_view celebrity) {
  std::string path = "/v1/celebrities/";
  path += celebrity;
  path += "/events";
  return path;
}

// The real server with an editor token: `client` sends it with every request
// (appends need one; reads take it too).
struct Server {
  explicit Server(std::vector<std::string> args = {})
      : process(dir.file("starlog.db"), std::move(args)) {
    client.set_default_headers(editor);
  }
  TempDir dir;
  ServerProcess process;
  Headers editor = bearer(create_token(dir.file("starlog.db"), "frontend", "editor"));
  HttpClient client = process.client();

  void append(std::string_view celebrity, const Json& event) {
    auto r = client.post_json(events_of(celebrity), event);
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  void cast() {
    append("kanye-west", registration("Kanye West", "1977-06-08"));
    append("jay-z", registration("Jay-Z", "1969-12-04"));
    append("kim-kardashian", registration("Kim Kardashian", "1980-10-21"));
  }
  std::unique_ptr<SseClient> live(std::string_view target, const Headers& headers = {},
                                  int rcvbuf = 0) {
    return std::make_unique<SseClient>(process.host(), process.port(), target, headers, rcvbuf);
  }
};

// ---- caching ----------------------------------------------------------------

TEST_CASE(
    "a timeline's ETag changes exactly when its answer changes, and If-None-Match gets a bodiless "
    "304") {
  Server s;
  s.cast();
  s.append("kanye-west", album("Donda", "2021-08-29"));
  const std::string url = "/v1/celebrities/kanye-west/timeline";
  auto first = s.client.get(url);
  REQUIRE(first.status == 200);
  const std::string etag = first.header("etag");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');
  CHECK(first.header("cache-control") == "no-cache");

  auto again = s.client.get(url, {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("etag") == etag);
  CHECK(again.header("cache-control") == "no-cache");
  CHECK(again.header("content-length").empty());
  // Lists, weak comparison and * as RFC 9110 says.
  CHECK(s.client.get(url, {{"If-None-Match", "\"nope\", W/" + etag}}).status == 304);
  CHECK(s.client.get(url, {{"If-None-Match", "*"}}).status == 304);
  CHECK(s.client.get(url, {{"If-None-Match", "\"nope\""}}).status == 200);

  SUBCASE("another celebrity's events change neither the bytes nor the tag") {
    s.append("kim-kardashian", album("Kimberly", "2020"));
    s.append("jay-z", album("4:44", "2017-06-30"));
    auto after = s.client.get(url);
    CHECK(after.header("etag") == etag);
    CHECK(after.body == first.body);
    CHECK(s.client.get(url, {{"If-None-Match", etag}}).status == 304);
  }
  SUBCASE("an event of the celebrity changes the tag") {
    s.append("kanye-west", album("Jesus Is King", "2019-10-25"));
    auto after = s.client.get(url, {{"If-None-Match", etag}});
    REQUIRE(after.status == 200);
    CHECK(after.header("etag") != etag);
    CHECK(after.json().at("entries").size() == 2);
  }
  SUBCASE("a fact naming the celebrity as participant changes the tag") {
    s.append("jay-z", {{"type", "collaboration_made"},
                       {"occurred", "2011-08-08"},
                       {"data", {{"with", {"kanye-west"}}}},
                       {"participants", {{{"celebrity", "kanye-west"}}}}});
    CHECK(s.client.get(url, {{"If-None-Match", etag}}).status == 200);
  }
  SUBCASE("a profile change (born, so ages) changes the tag") {
    s.append("kanye-west", {{"type", "celebrity_updated"}, {"data", {{"born", "1978-06-08"}}}});
    auto after = s.client.get(url, {{"If-None-Match", etag}});
    REQUIRE(after.status == 200);
    CHECK(after.json().at("entries").at(0).at("age") == 43);
  }
  SUBCASE("another query is another answer with another tag") {
    auto desc = s.client.get(url + "?order=desc");
    CHECK(desc.header("etag") != etag);
    CHECK(s.client.get(url + "?order=desc", {{"If-None-Match", desc.header("etag")}}).status ==
          304);
    CHECK(s.client.get(url + "?format=timelinejs").header("etag") != etag);
  }
}

TEST_CASE("profile, directory, stream and fact reads are cacheable the same way") {
  Server s;
  s.cast();
  auto r = s.client.post_json(events_of("kanye-west"), album("Donda", "2021-08-29"));
  REQUIRE(r.status == 201);
  const std::string fact_id = r.json().at("events")[0].at("id");

  const std::vector<std::string> urls = {"/v1/celebrities/kanye-west", "/v1/celebrities?q=k",
                                         "/v1/celebrities/kanye-west/events",
                                         "/v1/facts/" + fact_id};
  for (const std::string& url : urls) {
    CAPTURE(url);
    auto first = s.client.get(url);
    REQUIRE(first.status == 200);
    const std::string etag = first.header("etag");
    REQUIRE_FALSE(etag.empty());
    CHECK(first.header("cache-control") == "no-cache");
    auto cached = s.client.get(url, {{"If-None-Match", etag}});
    CHECK(cached.status == 304);
    CHECK(cached.body.empty());
    s.append("kanye-west", album("Another " + url, "2022"));
    auto changed = s.client.get(url, {{"If-None-Match", etag}});
    CHECK(changed.status == 200);
    CHECK(changed.header("etag") != etag);
  }
  // The stream's ETag is its version, as If-Match on an append takes it.
  auto stream = s.client.get("/v1/celebrities/kanye-west/events");
  CHECK(stream.header("etag") ==
        "\"" + std::to_string(stream.json().at("version").get<int>()) + "\"");
  CHECK(s.client
            .post_json(events_of("kanye-west"), album("Vultures", "2024"),
                       {{"If-Match", stream.header("etag")}})
            .status == 201);
}

TEST_CASE("the profile of jay-z is not revalidated away by kanye's appends but the directory is") {
  Server s;
  s.cast();
  auto profile = s.client.get("/v1/celebrities/jay-z");
  auto directory = s.client.get("/v1/celebrities");
  s.append("kanye-west", album("Donda", "2021-08-29"));
  CHECK(s.client.get("/v1/celebrities/jay-z", {{"If-None-Match", profile.header("etag")}}).status ==
        304);
  // The directory lists every celebrity's version and fact count.
  CHECK(s.client.get("/v1/celebrities", {{"If-None-Match", directory.header("etag")}}).status ==
        200);
}

// ---- live feed --------------------------------------------------------------

TEST_CASE(
    "a live client that reconnects with Last-Event-ID receives every event exactly once, in "
    "order") {
  Server s;
  s.cast();
  std::vector<SseEvent> received;
  std::string last_id;
  int appended = 3;
  for (int round = 0; round < 4; ++round) {
    Headers headers;
    if (!last_id.empty()) headers["Last-Event-ID"] = last_id;
    // The URL EventSource reconnects to still says after=0: Last-Event-ID wins.
    auto sse = s.live("/v1/events/live?after=0", headers);
    REQUIRE(sse->status() == 200);
    CHECK(sse->header("content-type") == "text/event-stream");
    CHECK(sse->header("cache-control") == "no-cache");
    // Appended while connected, and (from round 2 on) while disconnected.
    for (int i = 0; i < 5; ++i, ++appended)
      s.append("kanye-west", album("R" + std::to_string(round * 10 + i), "2020"));
    const auto& events = sse->read_events(
        static_cast<std::size_t>(appended - (last_id.empty() ? 0 : std::stoi(last_id))), 10s);
    REQUIRE(!events.empty());
    // Keep all but the last two, as if the connection broke there.
    const std::size_t keep = events.size() - 2;
    received.insert(received.end(), events.begin(),
                    events.begin() + static_cast<std::ptrdiff_t>(keep));
    last_id = received.back().id;
  }
  auto sse = s.live("/v1/events/live", {{"Last-Event-ID", last_id}});
  const auto& tail = sse->read_events(static_cast<std::size_t>(appended - std::stoi(last_id)), 10s);
  received.insert(received.end(), tail.begin(), tail.end());
  REQUIRE(received.size() == static_cast<std::size_t>(appended));
  for (std::size_t i = 0; i < received.size(); ++i) {
    const Json envelope = Json::parse(received[i].data);
    CHECK(received[i].id == std::to_string(i + 1));
    CHECK(envelope.at("position") == i + 1);
    CHECK(received[i].type == envelope.at("type"));
    CHECK(envelope.at("hash").get<std::string>().size() == 64);
  }
}

TEST_CASE("with serve --private the live feed needs a token like every read") {
  Server s({"--private"});
  s.cast();
  auto anonymous = s.live("/v1/events/live?after=0");
  CHECK(anonymous->status() == 401);
  CHECK(anonymous->header("www-authenticate").rfind("Bearer", 0) == 0);
  CHECK(anonymous->header("content-type") == "application/problem+json");
  CHECK(s.live("/v1/events/live?after=0", {{"Authorization", "Bearer stl_unknown"}})->status() ==
        401);
  const Headers reader = bearer(create_token(s.dir.file("starlog.db"), "viewer", "reader"));
  auto sse = s.live("/v1/events/live?after=0", reader);
  REQUIRE(sse->status() == 200);
  CHECK(sse->read_events(3, 10s).size() == 3);
}

TEST_CASE(
    "the live feed filters by type and by celebrity, including corrections of facts naming them") {
  Server s;
  s.cast();  // positions 1-3
  auto r = s.client.post_json(events_of("kanye-west"),
                              {{"type", "collaboration_made"},
                               {"occurred", "2021-08-29"},
                               {"data", {{"with", {"jay-z"}}}},
                               {"participants", {{{"celebrity", "jay-z"}}}}});  // 4
  REQUIRE(r.status == 201);
  const std::string fact_id = r.json().at("events")[0].at("id");
  s.append("kanye-west", album("Donda", "2021-08-29"));  // 5
  s.append("kanye-west", {{"type", "fact_corrected"},
                          {"data",
                           {{"fact_id", fact_id},
                            {"reason", "date"},
                            {"changes", {{"occurred", "2011-08-08"}}}}}});  // 6
  s.append("kim-kardashian", album("Kimberly", "2020"));                    // 7

  auto ids = [&](const std::string& query, std::size_t expect) {
    auto sse = s.live("/v1/events/live?after=0&" + query);
    REQUIRE(sse->status() == 200);
    sse->read_events(expect + 1, 1500ms);  // one more than expected must not come
    std::vector<std::string> out;
    for (const auto& e : sse->events()) out.push_back(e.id);
    return out;
  };
  CHECK(ids("celebrity=jay-z", 3) == std::vector<std::string>{"2", "4", "6"});
  CHECK(ids("types=album_released", 2) == std::vector<std::string>{"5", "7"});
  CHECK(ids("types=album_released,fact_corrected&celebrity=kanye-west", 2) ==
        std::vector<std::string>{"5", "6"});

  for (std::string bad : {"after=-1", "after=x", "types=nope", "celebrity=Not%20A%20Slug"}) {
    CAPTURE(bad);
    auto sse = s.live("/v1/events/live?" + bad);
    CHECK(sse->status() == 400);
    CHECK(Json::parse(sse->body()).at("type").get<std::string>().ends_with("invalid-parameter"));
  }
  auto bad_id = s.live("/v1/events/live", {{"Last-Event-ID", "seven"}});
  CHECK(bad_id->status() == 400);
  CHECK(s.client.head("/v1/events/live").status == 200);
  CHECK(s.client.post("/v1/events/live", "{}").status == 405);
}

TEST_CASE("a stalled live client never slows 1,000 appends or another client, and is dropped") {
  Server s({"--live-max-lag", "100"});
  s.cast();
  // A client that reads nothing, with a tiny receive buffer, and one that reads.
  auto stalled = s.live("/v1/events/live", {}, 4096);
  REQUIRE(stalled->status() == 200);
  std::atomic<bool> appending{true};
  std::vector<SseEvent> healthy_events;
  std::thread healthy([&] {
    auto sse = s.live("/v1/events/live?after=3");
    while (appending || sse->events().size() < 1000) {
      const std::size_t before = sse->events().size();
      sse->read_events(before + 1, 5s);
      if (sse->events().size() == before) break;  // nothing for 5 s: give up
    }
    healthy_events = sse->events();
  });
  // Every event carries a 1.5 KB quote, so the stalled client's buffers fill early.
  const std::string quote(1500, 'q');
  // Every append is answered although one subscriber reads nothing (how
  // fast is the bench's business, not this test's).
  for (int i = 0; i < 1000; ++i) {
    auto r = s.client.post_json(events_of("kanye-west"),
                                {{"type", "statement_made"},
                                 {"occurred", "2021-08-29"},
                                 {"data", {{"quote", quote + std::to_string(i)}}}});
    REQUIRE(r.status == 201);
  }
  // The stall is noticed at a commit after it has lasted stall_grace (1 s).
  std::this_thread::sleep_for(1500ms);
  s.append("kanye-west", album("The 1,001st", "2022"));
  appending = false;
  healthy.join();
  REQUIRE(healthy_events.size() >= 1000);
  for (std::size_t i = 0; i < healthy_events.size(); ++i)
    CHECK(healthy_events[i].id == std::to_string(i + 4));

  // The stalled client gets what was already in flight, then the end.
  CHECK(stalled->wait_closed(20s));
  CHECK(stalled->events().size() < 1000);
  MESSAGE("the stalled client got " << stalled->events().size() << " events before it was dropped");
}

// ---- TimelineJS ---------------------------------------------------------------

// The TimelineJS3 JSON format (https://timeline.knightlab.com/docs/json-format.html):
// which keys each object may have and what they hold.
void check_timelinejs_date(const Json& d) {
  static const std::set<std::string> kKeys = {
      "year", "month", "day", "hour", "minute", "second", "millisecond", "display_date", "format"};
  REQUIRE(d.is_object());
  for (const auto& [k, v] : d.items()) {
    CAPTURE(k);
    CHECK(kKeys.count(k) == 1);
    if (k != "display_date" && k != "format") CHECK(v.is_number_integer());
  }
  REQUIRE(d.contains("year"));
  if (d.contains("month")) CHECK((d["month"] >= 1 && d["month"] <= 12));
  if (d.contains("day")) CHECK((d.contains("month") && d["day"] >= 1 && d["day"] <= 31));
  if (d.contains("hour")) CHECK((d.contains("day") && d["hour"] >= 0 && d["hour"] <= 23));
  if (d.contains("minute")) CHECK((d.contains("hour") && d["minute"] >= 0 && d["minute"] <= 59));
  if (d.contains("second")) CHECK(d.contains("minute"));
}

void check_timelinejs_slide(const Json& slide, bool is_title) {
  static const std::set<std::string> kKeys = {"start_date", "end_date", "text",
                                              "media",      "group",    "display_date",
                                              "background", "autolink", "unique_id"};
  static const std::set<std::string> kMedia = {"url", "caption", "credit", "thumbnail",
                                               "alt", "title",   "link",   "link_target"};
  REQUIRE(slide.is_object());
  for (const auto& [k, v] : slide.items()) {
    CAPTURE(k);
    CHECK(kKeys.count(k) == 1);
  }
  if (!is_title) {
    check_timelinejs_date(slide.at("start_date"));
    CHECK(slide.at("group").is_string());
    CHECK(slide.at("display_date").is_string());
  }
  if (slide.contains("end_date")) check_timelinejs_date(slide["end_date"]);
  for (const auto& [k, v] : slide.at("text").items()) {
    CHECK((k == "headline" || k == "text"));
    CHECK(v.is_string());
  }
  if (slide.contains("media")) {
    CHECK(slide["media"].at("url").is_string());
    for (const auto& [k, v] : slide["media"].items()) CHECK(kMedia.count(k) == 1);
  }
  CHECK(slide.at("unique_id").is_string());
}

TEST_CASE(
    "format=timelinejs is a TimelineJS3 document: dates to precision, groups, fact ids, sources as "
    "credits") {
  Server s;
  s.cast();
  auto post = [&](const Json& e) {
    auto r = s.client.post_json(events_of("kanye-west"), e);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return r.json().at("events")[0].at("id").get<std::string>();
  };
  const Json wiki = {{"url", "https://en.wikipedia.org/wiki/Donda_(album)"},
                     {"publisher", "Wikipedia"}};
  const Json insta = {{"url", "https://www.instagram.com/p/CSz1AbCdEfG/"},
                      {"publisher", "Instagram"}};
  const Json youtube = {{"url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}};
  const std::string year = post(album("The College Dropout", "2004", Json::array({insta})));
  const std::string month =
      post(album("Donda <b>deluxe</b>", "2021-11", Json::array({insta, wiki})));
  const std::string day = post(album("Donda", "2021-08-29", Json::array({youtube})));
  const std::string minute =
      post({{"type", "live_event_held"},
            {"occurred", "2021-08-26T20:00[America/Chicago]"},
            {"data", {{"name", "Donda listening event"}, {"venue", "Soldier Field"}}},
            {"participants", {{{"celebrity", "kim-kardashian"}, {"role", "attendee"}}}}});
  const std::string interval =
      post({{"type", "live_event_held"},
            {"occurred", "2021-07-22/2021-08-05"},
            {"data", {{"name", "Listening events"}, {"venue", "Mercedes-Benz Stadium"}}}});
  const std::string approx = post(album("Yandhi", "2018~"));

  auto r = s.client.get("/v1/celebrities/kanye-west/timeline?format=timelinejs");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json; charset=utf-8");
  const Json doc = r.json();
  for (const auto& [k, v] : doc.items())
    CHECK((k == "events" || k == "title" || k == "eras" || k == "scale"));
  CHECK(doc.at("scale") == "human");
  check_timelinejs_slide(doc.at("title"), true);
  CHECK(doc.at("title").at("text").at("headline") == "Kanye West");
  const Json& events = doc.at("events");
  REQUIRE(events.size() == 6);
  std::map<std::string, Json> by_id;
  for (const auto& slide : events) {
    check_timelinejs_slide(slide, false);
    by_id[slide.at("unique_id")] = slide;
  }
  CHECK(by_id.size() == 6);  // unique ids, and they are the fact ids

  CHECK(by_id.at(year).at("start_date") == Json{{"year", 2004}});
  CHECK(by_id.at(year).at("display_date") == "2004");
  CHECK_FALSE(by_id.at(year).contains("end_date"));
  CHECK(by_id.at(month).at("start_date") == Json{{"year", 2021}, {"month", 11}});
  CHECK(by_id.at(day).at("start_date") == Json{{"year", 2021}, {"month", 8}, {"day", 29}});
  CHECK(by_id.at(minute).at("start_date") ==
        Json{{"year", 2021}, {"month", 8}, {"day", 27}, {"hour", 1}, {"minute", 0}});
  CHECK(by_id.at(minute).at("display_date") == "26 August 2021, 20:00 CDT");
  CHECK(by_id.at(interval).at("start_date") == Json{{"year", 2021}, {"month", 7}, {"day", 22}});
  CHECK(by_id.at(interval).at("end_date") == Json{{"year", 2021}, {"month", 8}, {"day", 5}});
  CHECK(by_id.at(approx).at("display_date") == "c. 2018");

  CHECK(by_id.at(day).at("group") == "Album released");
  CHECK(by_id.at(minute).at("group") == "Live event held");
  CHECK(by_id.at(day).at("text").at("headline") == "Released the album Donda");
  // Markup from the log is text, not HTML.
  CHECK(by_id.at(month).at("text").at("headline") ==
        "Released the album Donda &lt;b&gt;deluxe&lt;/b&gt;");
  CHECK(by_id.at(minute).at("text").at("text").get<std::string>().find(
            "Kim Kardashian (attendee)") != std::string::npos);
  CHECK(by_id.at(minute).at("text").at("text").get<std::string>().find("Age:</b> 44") !=
        std::string::npos);

  // Sources are links in the text, never media: TimelineJS would fetch
  // media (and previews) from the source's host, and the document needs no
  // host but this one.
  const std::string day_text = by_id.at(day).at("text").at("text");
  CHECK(day_text.find("href=\"" + youtube["url"].get<std::string>() + "\"") != std::string::npos);
  const std::string year_text = by_id.at(year).at("text").at("text");
  CHECK(year_text.find("<a href=\"https://www.instagram.com/p/CSz1AbCdEfG/\"") !=
        std::string::npos);
  CHECK(by_id.at(month).at("text").at("text").get<std::string>().find(
            wiki["url"].get<std::string>()) != std::string::npos);
  for (const auto& slide : events) CHECK_FALSE(slide.contains("media"));

  SUBCASE("a page that does not hold everything links to the next one") {
    auto page = s.client.get("/v1/celebrities/kanye-west/timeline?format=timelinejs&limit=4");
    REQUIRE(page.status == 200);
    CHECK(page.json().at("events").size() == 4);
    const std::string link = page.header("link");
    REQUIRE(
        link.starts_with("</v1/celebrities/kanye-west/timeline?format=timelinejs&limit=4&cursor="));
    CHECK(link.ends_with(">; rel=\"next\""));
    auto next = s.client.get(link.substr(1, link.find('>') - 1));
    REQUIRE(next.status == 200);
    CHECK(next.json().at("events").size() == 2);
    CHECK(next.header("link").empty());
  }
  SUBCASE("an unknown format is a 400 naming it") {
    auto bad = s.client.get("/v1/celebrities/kanye-west/timeline?format=xml");
    CHECK(bad.status == 400);
    CHECK(bad.json().at("parameter") == "format");
  }
}

// ---- CORS -------------------------------------------------------------------

TEST_CASE("CORS: preflights and headers for the --cors-origin origins only") {
  Server s(
      {"--cors-origin", "http://localhost:3000", "--cors-origin", "https://fans.example.com/"});
  s.cast();
  const std::string page = "http://localhost:3000";

  auto preflight = s.client.request(http::verb::options, "/v1/celebrities/kanye-west/events", "",
                                    {{"Origin", page},
                                     {"Access-Control-Request-Method", "POST"},
                                     {"Access-Control-Request-Headers", "content-type, if-match"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == page);
  CHECK(preflight.header("access-control-allow-methods").find("POST") != std::string::npos);
  CHECK(preflight.header("access-control-allow-methods").find("GET") != std::string::npos);
  const std::string allowed_headers = preflight.header("access-control-allow-headers");
  for (const char* h :
       {"Content-Type", "If-Match", "If-None-Match", "Authorization", "Last-Event-ID"})
    CHECK(allowed_headers.find(h) != std::string::npos);
  CHECK_FALSE(preflight.header("access-control-max-age").empty());
  CHECK(preflight.body.empty());

  auto other = s.client.request(
      http::verb::options, "/v1/celebrities", "",
      {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(other.status == 403);
  CHECK(other.header("access-control-allow-origin").empty());
  CHECK(other.json().at("type").get<std::string>().ends_with("cors-origin-not-allowed"));

  auto read = s.client.get("/v1/celebrities/kanye-west/timeline", {{"Origin", page}});
  CHECK(read.header("access-control-allow-origin") == page);
  CHECK(read.header("access-control-expose-headers").find("ETag") != std::string::npos);
  CHECK(read.header("vary").find("Origin") != std::string::npos);
  auto second_origin = s.client.get("/v1/celebrities", {{"Origin", "https://fans.example.com"}});
  CHECK(second_origin.header("access-control-allow-origin") == "https://fans.example.com");
  CHECK(s.client.get("/v1/celebrities", {{"Origin", "http://evil.example"}})
            .header("access-control-allow-origin")
            .empty());
  CHECK(s.client.get("/v1/celebrities").header("access-control-allow-origin").empty());

  // Errors and the live feed carry them too, or the page could not read them.
  CHECK(s.client.get("/v1/celebrities/nobody", {{"Origin", page}})
            .header("access-control-allow-origin") == page);
  auto sse = s.live("/v1/events/live", {{"Origin", page}});
  CHECK(sse->header("access-control-allow-origin") == page);

  CHECK(s.client.request(http::verb::options, "/v1/nowhere", "", {{"Origin", page}}).status == 404);
  auto plain = s.client.request(http::verb::options, "/v1/celebrities");
  CHECK(plain.status == 204);
  CHECK(plain.header("allow").find("GET") != std::string::npos);
}

TEST_CASE("without --cors-origin no answer carries CORS headers") {
  Server s;
  auto r = s.client.get("/healthz", {{"Origin", "http://localhost:3000"}});
  CHECK(r.header("access-control-allow-origin").empty());
  auto preflight = s.client.request(
      http::verb::options, "/healthz", "",
      {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(preflight.status == 403);
}

// ---- compression --------------------------------------------------------------

TEST_CASE("answers over 1 KiB are gzip-encoded for clients that accept gzip") {
  Server s;
  s.cast();
  for (int i = 0; i < 20; ++i) s.append("kanye-west", album("Album " + std::to_string(i), "2001"));
  const std::string url = "/v1/celebrities/kanye-west/timeline";
  auto plain = s.client.get(url);
  REQUIRE(plain.body.size() > 1024);
  CHECK(plain.header("content-encoding").empty());
  CHECK(plain.header("vary").find("Accept-Encoding") != std::string::npos);

  auto zipped = s.client.get(url, {{"Accept-Encoding", "br;q=1.0, gzip;q=0.8, *;q=0.1"}});
  REQUIRE(zipped.status == 200);
  CHECK(zipped.header("content-encoding") == "gzip");
  CHECK(zipped.header("vary").find("Accept-Encoding") != std::string::npos);
  CHECK(zipped.header("content-length") == std::to_string(zipped.body.size()));
  CHECK(zipped.body.size() < plain.body.size() / 2);
  auto unzipped = api::gunzip(zipped.body);
  REQUIRE(unzipped);
  CHECK(*unzipped == plain.body);
  CHECK(zipped.header("etag") == plain.header("etag"));
  // Revalidating the gzip variant: 304, and it still says what varies.
  auto revalidated =
      s.client.get(url, {{"Accept-Encoding", "gzip"}, {"If-None-Match", zipped.header("etag")}});
  CHECK(revalidated.status == 304);
  CHECK(revalidated.header("vary").find("Accept-Encoding") != std::string::npos);

  CHECK(s.client.get(url, {{"Accept-Encoding", "gzip;q=0, identity"}})
            .header("content-encoding")
            .empty());
  CHECK(s.client.get(url, {{"Accept-Encoding", "*"}}).header("content-encoding") == "gzip");
  // Small answers are not worth it.
  CHECK(s.client.get("/healthz", {{"Accept-Encoding", "gzip"}}).header("content-encoding").empty());
  // Problems compress too when large; a HEAD keeps identity headers.
  CHECK(s.client.head(url, {{"Accept-Encoding", "gzip"}}).header("content-encoding").empty());
}

}  // namespace
}  // namespace starlog::test
