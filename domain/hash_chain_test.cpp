#include "domain/hash_chain.h"

#include <doctest/doctest.h>

#include "domain/sha256.h"

namespace starlog::domain {
namespace {

// The worked example of docs/audit.md, computed independently (Python's
// json + hashlib); a change to any of these strings breaks every stored chain.
Event example() {
  Event e;
  e.id = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00";
  e.stream = "kanye-west";
  e.version = 2;
  e.position = 17;
  e.type = "album_released";
  e.occurred = "2021-08-29";
  e.data = {{"title", "Donda"}, {"label", "GOOD Music"}};
  e.participants = Json::array({{{"celebrity", "jay-z"}, {"role", "featured artist"}}});
  e.sources = Json::array({{{"url", "https://www.thesun.co.uk/"},
                            {"publisher", "The Sun"},
                            {"quote", "named after his late mother — “Donda”"}}});
  e.recorded_at = *parse_instant("2026-11-26T15:04:05.123Z");
  e.recorded_by = "alice";
  return e;
}

constexpr const char* kContent =
    R"({"data":{"label":"GOOD Music","title":"Donda"},"occurred":"2021-08-29","participants":)"
    R"([{"celebrity":"jay-z","role":"featured artist"}],"sources":[{"publisher":"The Sun",)"
    R"("quote":"named after his late mother — “Donda”","url":"https://www.thesun.co.uk/"}],)"
    R"("type":"album_released"})";
constexpr const char* kContentDigest =
    "9b5fce431109c96c38ff7b36940fbdac438591653d926dd3e1349ba0d66163dd";
constexpr const char* kHeader =
    R"({"content_digest":"9b5fce431109c96c38ff7b36940fbdac438591653d926dd3e1349ba0d66163dd",)"
    R"("id":"0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00","position":17,)"
    R"("recorded_at":"2026-11-26T15:04:05.123Z","recorded_by":"alice","stream":"kanye-west",)"
    R"("version":2})";
constexpr const char* kHashAfterGenesis =
    "7d82d3100106279e98b523421a22ce596d01940bc4b6b856c9b7957c3a5ea212";

TEST_CASE("the canonical content, header and hash are exactly the documented bytes") {
  const Event e = example();
  CHECK(canonical(content_of(e)) == kContent);
  CHECK(content_digest(e) == kContentDigest);
  CHECK(canonical(header_of(e)) == kHeader);
  CHECK(chain_hash(genesis_hash(), e) == kHashAfterGenesis);
  CHECK(chain_hash(genesis_hash(), e, kContentDigest) == kHashAfterGenesis);
}

TEST_CASE("the header is the envelope without its content and hash, plus the content digest") {
  Event e = example();
  for (bool with_occurred : {true, false}) {
    if (!with_occurred) e.occurred.reset();
    Json expected = to_json(e);
    for (const char* k : {"hash", "type", "occurred", "data", "participants", "sources"})
      expected.erase(k);
    expected["content_digest"] = content_digest(e);
    CHECK(header_of(e) == expected);
    CHECK(content_digest(e) == sha256_hex(canonical(content_of(e))));
    NewEvent n;
    n.type = e.type;
    n.occurred = e.occurred;
    n.data = e.data;
    n.participants = e.participants;
    n.sources = e.sources;
    CHECK(content_digest(n) == content_digest(e));
  }
}

TEST_CASE("the streaming SHA-256 agrees with the one-shot one") {
  Sha256 h;
  h.update("hello ");
  h.update("");
  h.update("world");
  CHECK(h.finish_hex() == sha256_hex("hello world"));
  Sha256 empty;
  CHECK(empty.finish_hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// Three events of two streams, chained as the store chains them.
std::vector<Event> chain() {
  std::vector<Event> out;
  std::string previous = genesis_hash();
  const char* streams[] = {"a", "b", "a"};
  for (int i = 0; i < 3; ++i) {
    Event e = example();
    e.id = "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f0" + std::to_string(i);
    e.stream = streams[i];
    e.version = i == 2 ? 2 : 1;
    e.position = i + 1;
    e.recorded_at += std::chrono::milliseconds(i);
    e.hash = chain_hash(previous, e);
    previous = e.hash;
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> digests(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(content_digest(e));
  return out;
}

TEST_CASE("a chain verifier accepts an intact log and reports its head hash") {
  auto log = chain();
  ChainVerifier v;
  for (const auto& e : log) CHECK(v.check(e, content_digest(e)) == "");
  CHECK(v.ok());
  CHECK(v.events() == 3);
  CHECK(v.head_hash() == log.back().hash);
}

TEST_CASE("a chain verifier names the first altered event and only that one") {
  auto log = chain();
  auto stored = digests(log);
  std::int64_t bad = 0;
  SUBCASE("content altered, digest left alone") {
    log[1].data["title"] = "Donda 2";
    bad = 2;
  }
  SUBCASE("content and its digest altered, hash left alone") {
    log[1].data["title"] = "Donda 2";
    stored[1] = content_digest(log[1]);
    bad = 2;
  }
  SUBCASE("a recorded field altered") {
    log[0].recorded_by = "mallory";
    bad = 1;
  }
  SUBCASE("a hash replaced") {
    log[2].hash = genesis_hash();
    bad = 3;
  }
  SUBCASE("a version skipped") {
    log[2].version = 3;
    bad = 3;
  }
  ChainVerifier v;
  for (std::size_t i = 0; i < log.size(); ++i) v.check(log[i], stored[i]);
  CHECK_FALSE(v.ok());
  REQUIRE(v.first_bad_position());
  CHECK(*v.first_bad_position() == bad);
  CHECK(v.bad_links() == 1);
  CHECK(v.first_problem().find("position " + std::to_string(bad)) == 0);
}

TEST_CASE("a chain verifier reports a deleted event at the missing position") {
  auto log = chain();
  ChainVerifier v;
  v.check(log[0], content_digest(log[0]));
  v.check(log[2], content_digest(log[2]));
  REQUIRE(v.first_bad_position());
  CHECK(*v.first_bad_position() == 2);
  CHECK(v.first_problem().find("missing") != std::string::npos);
}

TEST_CASE("a chain verifier treats an unreadable row as a break at its position") {
  auto log = chain();
  ChainVerifier v;
  v.check(log[0], content_digest(log[0]));
  v.damaged(log[1], "column 'data' is not JSON");
  CHECK(v.check(log[2], content_digest(log[2])) == "");
  CHECK(*v.first_bad_position() == 2);
  CHECK(v.bad_links() == 1);
}

}  // namespace
// The example event after a takedown erased its content: what the store
// returns for it.
Event erased_example(const std::string& by) {
  Event e = example();
  e.hash = kHashAfterGenesis;
  e.type.clear();
  e.occurred.reset();
  e.data = Json::object();
  e.participants = Json::array();
  e.sources = Json::array();
  e.erasure =
      Erasure{kContentDigest, e.id, by, *parse_instant("2026-11-27T10:00:00.000Z"), "court order"};
  return e;
}

TEST_CASE("an erased event keeps its header, digest and hash: the chain still verifies") {
  const Event e = erased_example("0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f09");
  CHECK(content_digest(e) == kContentDigest);
  CHECK(canonical(header_of(e)) == kHeader);
  CHECK(chain_hash(genesis_hash(), e) == kHashAfterGenesis);
  Event first = e;
  first.position = 1;
  first.version = 1;
  first.hash = chain_hash(genesis_hash(), first);
  ChainVerifier v;
  CHECK(v.check(first, kContentDigest).empty());
  CHECK(v.ok());
  CHECK(e.fact_id() == e.id);
  CHECK(e.taken_down());
}

TEST_CASE("an erased event without a takedown in the log is a break") {
  Event e = erased_example("");
  e.position = 1;
  e.version = 1;
  e.hash = chain_hash(genesis_hash(), e);
  ChainVerifier v;
  CHECK(v.check(e, kContentDigest).find("no content_taken_down") != std::string::npos);
  CHECK(v.first_bad_position() == 1);
}

TEST_CASE("an erased envelope is its header plus taken_down, and reads back the same") {
  const Event e = erased_example("0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f09");
  const Json j = to_json(e);
  for (const char* k : {"type", "occurred", "data", "participants", "sources"})
    CHECK_FALSE(j.contains(k));
  CHECK(j.at("content_digest") == kContentDigest);
  CHECK(j.at("taken_down") == Json{{"event_id", "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f09"},
                                   {"recorded_at", "2026-11-27T10:00:00.000Z"},
                                   {"reason", "court order"},
                                   {"fact_id", e.id}});
  auto back = event_from_json(j);
  REQUIRE(back.ok());
  CHECK(back->taken_down());
  CHECK(back->erasure->content_digest == kContentDigest);
  CHECK(back->erasure->by == e.erasure->by);
  CHECK(back->hash == e.hash);
  CHECK(to_json(*back) == j);
  // An envelope that claims a takedown and still carries content is refused.
  Json both = j;
  both["data"] = {{"title", "Donda"}};
  CHECK(event_from_json(both).status().code() == Code::malformed);
  Json no_digest = j;
  no_digest.erase("content_digest");
  CHECK(event_from_json(no_digest).status().code() == Code::malformed);
}

}  // namespace starlog::domain
