#include "app/args.h"

#include <doctest/doctest.h>

#include <limits>
#include <vector>

namespace starlog::app {
namespace {

// Parses `words` as a command's arguments under `spec`.
Args parsed(std::vector<std::string> words, const OptionSpec& spec) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  Args out;
  const auto err = parse_args(static_cast<int>(argv.size()), argv.data(), 0, spec, out);
  REQUIRE_FALSE(err.has_value());
  return out;
}

const OptionSpec kSpec{{"db", "threads", "lag", "rate"}, {"help"}, {}};

TEST_CASE("options, flags and positionals, in both spellings") {
  const Args a = parsed({"--db", "x.db", "--threads=4", "--help", "file"}, kSpec);
  CHECK(a.value("db") == "x.db");
  CHECK(a.value("threads") == "4");
  CHECK(a.has("help"));
  CHECK(a.positional == std::vector<std::string>{"file"});
  CHECK(a.value_or("lag", "7") == "7");
}

TEST_CASE("an unknown option, a flag with a value and a missing value are errors") {
  for (std::vector<std::string> words :
       {std::vector<std::string>{"--nope"}, {"--help=1"}, {"--db"}}) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    Args out;
    CAPTURE(words[0]);
    CHECK(parse_args(static_cast<int>(argv.size()), argv.data(), 0, kSpec, out).has_value());
  }
}

TEST_CASE("read_int: absent leaves the default, a good value is read, a bad one is named") {
  std::int64_t threads = 32;
  CHECK_FALSE(read_int(parsed({}, kSpec), "threads", 1, 256, threads).has_value());
  CHECK(threads == 32);
  CHECK_FALSE(read_int(parsed({"--threads", "8"}, kSpec), "threads", 1, 256, threads));
  CHECK(threads == 8);
  for (const char* bad : {"0", "257", "8x", " 8", "+8", ""}) {
    CAPTURE(bad);
    const auto err = read_int(parsed({"--threads", bad}, kSpec), "threads", 1, 256, threads);
    REQUIRE(err.has_value());
    CHECK(*err == "--threads must be an integer from 1 to 256");
    CHECK(threads == 8);  // untouched
  }
  std::int64_t lag = 1000;
  const auto err = read_int(parsed({"--lag", "0"}, kSpec), "lag", 1,
                            std::numeric_limits<std::int64_t>::max(), lag);
  REQUIRE(err.has_value());
  CHECK(*err == "--lag must be an integer >= 1");
}

TEST_CASE("read_positive_number takes numbers above zero only") {
  double rate = 0;
  CHECK_FALSE(read_positive_number(parsed({"--rate", "2.5"}, kSpec), "rate", rate));
  CHECK(rate == 2.5);
  for (const char* bad : {"0", "-1", "fast", "inf", "1e999"}) {
    CAPTURE(bad);
    const auto err = read_positive_number(parsed({"--rate", bad}, kSpec), "rate", rate);
    REQUIRE(err.has_value());
    CHECK(*err == "--rate must be a positive number");
  }
  CHECK(rate == 2.5);
}

}  // namespace
}  // namespace starlog::app
