// The command line (README.md#command-line): import, export, restore, run as a user
// would, on temporary files.
#include "tests/support/cli.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include "domain/event.h"
#include "domain/hash_chain.h"
#include "tests/support/command.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

TEST_CASE("import loads the demo data and a second import appends nothing") {
  TempDir dir;
  const std::string db = dir.file("s.db");
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"}) {
    auto r = run_starlog(dir, "import --db '" + db + "' '" + demo_dir() + "/" + f + ".ndjson'");
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find(", 0 rejected") != std::string::npos);
  }
  auto again = run_starlog(dir, "import --db '" + db + "' '" + demo_dir() + "/020_donda.ndjson'");
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("0 events appended") != std::string::npos);
}

TEST_CASE("import reports each bad line with its number and exits non-zero") {
  TempDir dir;
  const std::string db = dir.file("s.db");
  write_file(
      dir.file("in.ndjson"),
      R"({"stream":"kanye-west","type":"celebrity_registered","data":{"name":"Kanye West"}})"
      "\n"
      "not json\n"
      R"({"stream":"kanye-west","type":"album_released","occurred":"2021-02-29","data":{"title":"D"}})"
      "\n"
      R"({"type":"album_released","occurred":"2021","data":{"title":"D"}})"
      "\n");
  auto r = run_starlog(dir, "import --db '" + db + "' -", dir.file("in.ndjson"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("<stdin>:2:") != std::string::npos);
  CHECK(r.err.find("<stdin>:3:") != std::string::npos);
  CHECK(r.err.find("<stdin>:4:") != std::string::npos);
  CHECK(r.err.find("1 events appended") != std::string::npos);
}

TEST_CASE("export then import --restore then export gives the same bytes") {
  TempDir dir;
  const std::string a = dir.file("a.db"), b = dir.file("b.db");
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"})
    REQUIRE(run_starlog(dir, "import --db '" + a + "' '" + demo_dir() + "/" + f + ".ndjson'")
                .exit_code == 0);
  auto first = run_starlog(dir, "export --db '" + a + "'");
  REQUIRE(first.exit_code == 0);
  REQUIRE(!first.out.empty());
  write_file(dir.file("export.ndjson"), first.out);
  auto restore =
      run_starlog(dir, "import --restore --db '" + b + "' '" + dir.file("export.ndjson") + "'");
  CAPTURE(restore.err);
  REQUIRE(restore.exit_code == 0);
  auto second = run_starlog(dir, "export --db '" + b + "'");
  CHECK(second.out == first.out);
  auto tail = run_starlog(dir, "export --after 20 --db '" + b + "'");
  CHECK(std::count(tail.out.begin(), tail.out.end(), '\n') == 2);
}

// The demo data exported, with `edit` applied to the event at `line` (1 is
// the first) and the hash chain recomputed from there on: a well-chained file
// whose content an append would have refused.
std::string rechained_export(const TempDir& dir, int line,
                             const std::function<void(domain::Event&)>& edit) {
  const std::string db = dir.file("source.db");
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"})
    REQUIRE(run_starlog(dir, "import --db '" + db + "' '" + demo_dir() + "/" + f + ".ndjson'")
                .exit_code == 0);
  auto exported = run_starlog(dir, "export --db '" + db + "'");
  REQUIRE(exported.exit_code == 0);
  std::istringstream in(exported.out);
  std::string text, out, previous = domain::genesis_hash();
  for (int n = 1; std::getline(in, text); ++n) {
    auto e = domain::event_from_json(Json::parse(text));
    REQUIRE(e.ok());
    if (n == line) edit(*e);
    if (n >= line) e->hash = domain::chain_hash(previous, *e, domain::content_digest(*e));
    previous = e->hash;
    out += domain::to_json(*e).dump() + "\n";
  }
  const std::string path = dir.file("rechained.ndjson");
  write_file(path, out);
  return path;
}

TEST_CASE(
    "a restore checks every event like an append: a well-chained file with a bad event is refused "
    "by its line, and nothing is written") {
  struct Case {
    const char* name;
    int line;
    std::function<void(domain::Event&)> edit;
    const char* expected;  // in the error of that line
  };
  const Case cases[] = {
      {"an unknown type", 10, [](domain::Event& e) { e.type = "album_leaked"; },
       "/type: is not a known event type"},
      {"content the type refuses", 10, [](domain::Event& e) { e.data.erase("title"); },
       "/data/title"},
      {"a second registration of a stream (a stateful rule)", 10,
       [](domain::Event& e) {
         e.type = "celebrity_registered";
         e.occurred.reset();
         e.data = {{"name", "Again"}};
         e.participants = Json::array();
       },
       "/type: '"},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    TempDir dir;
    const std::string file = rechained_export(dir, c.line, c.edit);
    const std::string target = dir.file("target.db");
    auto r = run_starlog(dir, "import --restore --db '" + target + "' '" + file + "'");
    CAPTURE(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(file + ":" + std::to_string(c.line) + ": ") != std::string::npos);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.err.find("nothing was restored") != std::string::npos);
    auto after = run_starlog(dir, "export --db '" + target + "'");
    CHECK(after.exit_code == 0);
    CHECK(after.out.empty());
  }
}

TEST_CASE("commands reject unknown options and explain themselves with --help") {
  TempDir dir;
  CHECK(run_starlog(dir, "import --bogus x").exit_code == 2);
  CHECK(run_starlog(dir, "export --after -3").exit_code == 2);
  CHECK(run_starlog(dir, "frobnicate").exit_code == 2);
  for (const char* c : {"serve", "import", "export", "token"}) {
    auto r = run_starlog(dir, std::string(c) + " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("usage: starlog") != std::string::npos);
  }
}

}  // namespace
}  // namespace starlog::test
