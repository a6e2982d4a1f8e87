// The command line (README.md#command-line): import, export, restore, run as a user
// would, on temporary files.
#include "tests/support/cli.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `starlog <args>` through the shell, capturing stdout and stderr.
Run starlog(const TempDir& dir, const std::string& args, const std::string& stdin_file = "") {
  const std::string out = dir.file("cmd.out"), err = dir.file("cmd.err");
  std::string cmd = "'" + ServerProcess::binary() + "' " + args + " >'" + out + "' 2>'" + err + "'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  const int status = std::system(cmd.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

TEST_CASE("import loads the demo data and a second import appends nothing") {
  TempDir dir;
  const std::string db = dir.file("s.db");
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"}) {
    auto r = starlog(dir, "import --db '" + db + "' '" + demo_dir() + "/" + f + ".ndjson'");
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find(", 0 rejected") != std::string::npos);
  }
  auto again = starlog(dir, "import --db '" + db + "' '" + demo_dir() + "/020_donda.ndjson'");
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("0 events appended") != std::string::npos);
}

TEST_CASE("import reports each bad line with its number and exits non-zero") {
  TempDir dir;
  const std::string db = dir.file("s.db");
  write(
      dir.file("in.ndjson"),
      R"({"stream":"kanye-west","type":"celebrity_registered","data":{"name":"Kanye West"}})"
      "\n"
      "not json\n"
      R"({"stream":"kanye-west","type":"album_released","occurred":"2021-02-29","data":{"title":"D"}})"
      "\n"
      R"({"type":"album_released","occurred":"2021","data":{"title":"D"}})"
      "\n");
  auto r = starlog(dir, "import --db '" + db + "' -", dir.file("in.ndjson"));
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
    REQUIRE(
        starlog(dir, "import --db '" + a + "' '" + demo_dir() + "/" + f + ".ndjson'").exit_code ==
        0);
  auto first = starlog(dir, "export --db '" + a + "'");
  REQUIRE(first.exit_code == 0);
  REQUIRE(!first.out.empty());
  write(dir.file("export.ndjson"), first.out);
  auto restore =
      starlog(dir, "import --restore --db '" + b + "' '" + dir.file("export.ndjson") + "'");
  CAPTURE(restore.err);
  REQUIRE(restore.exit_code == 0);
  auto second = starlog(dir, "export --db '" + b + "'");
  CHECK(second.out == first.out);
  auto tail = starlog(dir, "export --after 20 --db '" + b + "'");
  CHECK(std::count(tail.out.begin(), tail.out.end(), '\n') == 2);
}

TEST_CASE("commands reject unknown options and explain themselves with --help") {
  TempDir dir;
  CHECK(starlog(dir, "import --bogus x").exit_code == 2);
  CHECK(starlog(dir, "export --after -3").exit_code == 2);
  CHECK(starlog(dir, "frobnicate").exit_code == 2);
  for (const char* c : {"serve", "import", "export", "token"}) {
    auto r = starlog(dir, std::string(c) + " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("usage: starlog") != std::string::npos);
  }
}

}  // namespace
}  // namespace starlog::test
