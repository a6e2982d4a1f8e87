#include "domain/uuid.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

using starlog::domain::make_uuid_v7;
using starlog::domain::normalize_uuid;

namespace {

std::uint64_t timestamp_ms(const std::string& u) {
  std::string hex = u.substr(0, 8) + u.substr(9, 4);
  return std::stoull(hex, nullptr, 16);
}

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

TEST_CASE("make_uuid_v7 gives the canonical lower-case form with version 7 and variant 10") {
  const std::string u = make_uuid_v7();
  REQUIRE(u.size() == 36);
  CHECK(u[8] == '-');
  CHECK(u[13] == '-');
  CHECK(u[18] == '-');
  CHECK(u[23] == '-');
  CHECK(u[14] == '7');
  CHECK((u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b'));
  CHECK(normalize_uuid(u) == u);
}

TEST_CASE("make_uuid_v7 carries the current unix time in milliseconds") {
  const std::uint64_t before = now_ms();
  const std::string u = make_uuid_v7();
  const std::uint64_t after = now_ms();
  const std::uint64_t ts = timestamp_ms(u);
  CHECK(ts >= before);
  // Monotonic ids may borrow a millisecond or two ahead under heavy use.
  CHECK(ts <= after + 2);
}

TEST_CASE("make_uuid_v7 is strictly increasing within a process") {
  std::string last = make_uuid_v7();
  for (int i = 0; i < 20000; ++i) {
    std::string u = make_uuid_v7();
    REQUIRE(u > last);
    last = u;
  }
}

TEST_CASE("make_uuid_v7 gives distinct ids across threads") {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& v : per_thread) {
    threads.emplace_back([&v] {
      for (int i = 0; i < 5000; ++i) v.push_back(make_uuid_v7());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : per_thread) {
    for (std::size_t i = 1; i < v.size(); ++i) CHECK(v[i] > v[i - 1]);
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == 20000);
}

TEST_CASE("make_uuid_v7 random bits differ between ids") {
  // Two ids made in the same millisecond must still differ in their random part
  // by more than a +1 counter, so ids are not guessable from a neighbour.
  std::set<std::string> tails;
  for (int i = 0; i < 100; ++i) tails.insert(make_uuid_v7().substr(24));
  CHECK(tails.size() == 100);
}

TEST_CASE("normalize_uuid accepts any version in any case and lower-cases it") {
  SUBCASE("v4 upper case") {
    CHECK(normalize_uuid("F47AC10B-58CC-4372-A567-0E02B2C3D479") ==
          "f47ac10b-58cc-4372-a567-0e02b2c3d479");
  }
  SUBCASE("v7 mixed case") {
    CHECK(normalize_uuid("0190F7f4-3c1e-7A2b-9d4e-5b6c7d8e9f00") ==
          "0190f7f4-3c1e-7a2b-9d4e-5b6c7d8e9f00");
  }
  SUBCASE("v1") {
    CHECK(normalize_uuid("c232ab00-9414-11ec-b3c8-9f6bdeced846") ==
          "c232ab00-9414-11ec-b3c8-9f6bdeced846");
  }
  SUBCASE("nil and max are UUIDs too") {
    CHECK(normalize_uuid("00000000-0000-0000-0000-000000000000").has_value());
    CHECK(normalize_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF") ==
          "ffffffff-ffff-ffff-ffff-ffffffffffff");
  }
}

TEST_CASE("normalize_uuid rejects anything but 8-4-4-4-12 hex") {
  for (const char* bad : {
           "",
           "f47ac10b58cc4372a5670e02b2c3d479",
           "{f47ac10b-58cc-4372-a567-0e02b2c3d479}",
           "urn:uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479",
           "f47ac10b-58cc-4372-a567-0e02b2c3d47",
           "f47ac10b-58cc-4372-a567-0e02b2c3d4799",
           "f47ac10b-58cc-4372-a567_0e02b2c3d479",
           "f47ac10b-58cc4-372-a567-0e02b2c3d479",
           "g47ac10b-58cc-4372-a567-0e02b2c3d479",
           " f47ac10b-58cc-4372-a567-0e02b2c3d47",
           "f47ac10b-58cc-4372-a567-0e02b2c3d47\n",
       }) {
    CAPTURE(bad);
    CHECK_FALSE(normalize_uuid(bad).has_value());
  }
  CHECK_FALSE(normalize_uuid(std::string_view("f47ac10b-58cc-4372-a567-0e02b2c3d4\0\0", 36)));
}
