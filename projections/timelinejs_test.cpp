#include "projections/timelinejs.h"

#include <doctest/doctest.h>

namespace starlog::projections {
namespace {

Json entry(std::string occurred, Json sources = Json::array()) {
  return {{"fact_id", "f1"},
          {"type", "album_released"},
          {"title", "Released the album <i>X</i>"},
          {"role", "subject"},
          {"subject", "kanye-west"},
          {"participants", Json::array()},
          {"data", {{"title", "<i>X</i>"}, {"label", "GOOD & Co"}}},
          {"sources", std::move(sources)},
          {"status", "active"},
          {"corrections", Json::array()},
          {"retraction", nullptr},
          {"occurred", std::move(occurred)},
          {"display", "shown"}};
}

Json timeline_of(Json e) {
  return {{"celebrity", {{"id", "kanye-west"}, {"name", "Kanye West"}}},
          {"position", 3},
          {"entries", Json::array({std::move(e)})},
          {"next_cursor", nullptr}};
}

Json slide(Json e) {
  return to_timelinejs(timeline_of(std::move(e)),
                       [](std::string_view id) { return std::string(id); })
      .at("events")
      .at(0);
}

TEST_CASE("dates carry only the parts their precision allows") {
  CHECK(slide(entry("2021")).at("start_date") == Json{{"year", 2021}});
  CHECK(slide(entry("2021-08~")).at("start_date") == Json{{"year", 2021}, {"month", 8}});
  CHECK(
      slide(entry("2021-08-29T20:00:05Z")).at("start_date") ==
      Json{{"year", 2021}, {"month", 8}, {"day", 29}, {"hour", 20}, {"minute", 0}, {"second", 5}});
  const Json interval = slide(entry("2021-07/2021-08-05"));
  CHECK(interval.at("start_date") == Json{{"year", 2021}, {"month", 7}});
  CHECK(interval.at("end_date") == Json{{"year", 2021}, {"month", 8}, {"day", 5}});
  const Json zoned =
      slide(entry("2021-08-26T20:00[America/New_York]/2021-08-26T23:00[America/New_York]"));
  CHECK(zoned.at("start_date").at("hour") == 0);
  CHECK(zoned.at("end_date").at("hour") == 3);
}

TEST_CASE("text from the log is escaped, never markup") {
  const Json s = slide(entry("2021"));
  CHECK(s.at("text").at("headline") == "Released the album &lt;i&gt;X&lt;/i&gt;");
  CHECK(s.at("text").at("text").get<std::string>().find("GOOD &amp; Co") != std::string::npos);
  CHECK(s.at("text").at("text").get<std::string>().find("<i>") == std::string::npos);
}

TEST_CASE("sources are links in the text, never media a browser would fetch from their host") {
  const Json s = slide(
      entry("2021", Json::array({{{"url", "https://www.instagram.com/p/abc/"}},
                                 {{"url", "https://youtu.be/x"}, {"publisher", "YouTube"}}})));
  CHECK_FALSE(s.contains("media"));
  const std::string text = s.at("text").at("text");
  CHECK(text.find("<a href=\"https://youtu.be/x\"") != std::string::npos);
  CHECK(text.find(">YouTube</a>") != std::string::npos);
  CHECK(text.find("<a href=\"https://www.instagram.com/p/abc/\"") != std::string::npos);
  CHECK(text.find(">www.instagram.com</a>") != std::string::npos);  // no publisher: the host
}

TEST_CASE("groups are the type in words; the body does not repeat what the title says") {
  Json e = entry("2021-02-19");
  e["type"] = "relationship_changed";
  e["title"] = "Filed for divorce from Kanye West";
  e["subject"] = "kim-kardashian";
  e["data"] = {{"with", "kanye-west"}, {"status", "divorce_filed"}};
  e["participants"] = Json::array({{{"celebrity", "kanye-west"}, {"role", "partner"}}});
  const Json s =
      to_timelinejs(timeline_of(e),
                    [](std::string_view id) {
                      return id == "kanye-west" ? std::string("Kanye West") : std::string(id);
                    })
          .at("events")
          .at(0);
  CHECK(s.at("group") == "Relationship changed");
  const std::string text = s.at("text").at("text");
  CHECK(text.find("divorce_filed") == std::string::npos);
  CHECK(text.find("kanye-west") == std::string::npos);
  CHECK(text.find("Kanye West (partner)") != std::string::npos);
  CHECK(text.find("With:") == text.rfind("With:"));  // once, for the people
}

}  // namespace
}  // namespace starlog::projections
