// The auditor's command line (docs/audit.md): the chain recomputed by the
// guide's own script, verify after the sqlite3 shell rewrote history,
// replay, and export -> restore -> export. Runs the real binaries: starlog,
// sqlite3 and python3.
#include <doctest/doctest.h>

#include "tests/support/cli.h"
#include "tests/support/command.h"

namespace starlog::test {
namespace {

// A store with the demo data (22 events; position 10 is the album Donda,
// position 22 the correction of Jay-Z's collaboration).
std::string demo_store(const TempDir& dir, const std::string& name = "demo.db") {
  const std::string db = dir.file(name);
  for (const char* f : {"010_celebrities", "020_donda", "030_podcast", "040_corrections"}) {
    auto r = run_starlog(dir, cat("import --db ", shell_quote(db), " ",
                                  shell_quote(cat(demo_dir(), "/", f, ".ndjson"))));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  return db;
}

Json verify(const TempDir& dir, const std::string& db, int expected_exit) {
  auto r = run_starlog(dir, cat("verify --db ", shell_quote(db)));
  CAPTURE(r.err);
  REQUIRE(r.exit_code == expected_exit);
  return Json::parse(r.out);
}

// The ```python block of docs/audit.md, as a file.
std::string guide_script(const TempDir& dir) {
  const std::string guide = read_file(cat(STARLOG_SOURCE_DIR, "/docs/audit.md"));
  const std::string open = "```python\n";
  const auto begin = guide.find(open);
  REQUIRE(begin != std::string::npos);
  const auto end = guide.find("```", begin + open.size());
  REQUIRE(end != std::string::npos);
  const std::string path = dir.file("check_chain.py");
  write_file(path, guide.substr(begin + open.size(), end - begin - open.size()));
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

TEST_CASE("the script in docs/audit.md recomputes the chain from starlog export") {
  TempDir dir;
  const std::string db = demo_store(dir);
  // Text that canonical JSON must get exactly right: non-ASCII, an emoji, a
  // quote with a line break, characters JSON must escape.
  write_file(
      dir.file("more.ndjson"),
      R"({"stream":"kanye-west","type":"statement_made","occurred":"2021-08-29",)"
      R"("data":{"quote":"Line one\nline two — “Donda” 🎤 \"said\" a\\b","medium":"Twitter"}})"
      "\n");
  REQUIRE(run_starlog(
              dir, cat("import --db ", shell_quote(db), " ", shell_quote(dir.file("more.ndjson"))))
              .exit_code == 0);
  const std::string script = guide_script(dir);
  auto exported = run_starlog(dir, cat("export --db ", shell_quote(db)));
  REQUIRE(exported.exit_code == 0);
  write_file(dir.file("export.ndjson"), exported.out);

  auto checked = run_shell(dir, cat("python3 ", shell_quote(script)), dir.file("export.ndjson"));
  CAPTURE(checked.err);
  REQUIRE(checked.exit_code == 0);
  const Json report = verify(dir, db, 0);
  CHECK(checked.out ==
        cat("23 events, head hash ", report.at("head_hash").get<std::string>(), "\n"));

  // One altered line: the script names its position.
  auto lines = lines_of(exported.out);
  REQUIRE(lines.size() == 23);
  const auto at = lines[9].find("\"Donda\"");
  REQUIRE(at != std::string::npos);
  lines[9].replace(at, 7, "\"Donda (Deluxe)\"");
  write_file(dir.file("altered.ndjson"), joined(lines));
  auto broken = run_shell(dir, cat("python3 ", shell_quote(script)), dir.file("altered.ndjson"));
  CHECK(broken.exit_code == 1);
  CHECK(broken.err == "chain broken at position 10\n");
}

TEST_CASE("the script in docs/audit.md recomputes the chain of an export with taken-down events") {
  TempDir dir;
  const std::string db = demo_store(dir);
  // Kim Kardashian's podcast statement, taken down by an import (the
  // command line may append every type).
  write_file(dir.file("takedown.ndjson"),
             R"({"stream":"kim-kardashian","type":"content_taken_down",)"
             R"("data":{"fact_id":"f291e742-d731-4596-8bde-e3c301e7ad5c","reason":"court order"}})"
             "\n");
  auto imported = run_starlog(
      dir, cat("import --db ", shell_quote(db), " ", shell_quote(dir.file("takedown.ndjson"))));
  CAPTURE(imported.err);
  REQUIRE(imported.exit_code == 0);
  auto exported = run_starlog(dir, cat("export --db ", shell_quote(db)));
  REQUIRE(exported.exit_code == 0);
  REQUIRE(exported.out.find("\"taken_down\"") != std::string::npos);
  CHECK(exported.out.find("likeability") == std::string::npos);
  write_file(dir.file("export.ndjson"), exported.out);
  const std::string script = guide_script(dir);
  auto checked = run_shell(dir, cat("python3 ", shell_quote(script)), dir.file("export.ndjson"));
  CAPTURE(checked.err);
  REQUIRE(checked.exit_code == 0);
  const Json report = verify(dir, db, 0);
  CHECK(checked.out ==
        cat("23 events, head hash ", report.at("head_hash").get<std::string>(), "\n"));
}

TEST_CASE("verify passes an intact store and names the position the sqlite3 shell altered") {
  TempDir dir;
  const std::string db = demo_store(dir);
  const Json ok = verify(dir, db, 0);
  CHECK(ok.at("verified") == true);
  CHECK(ok.at("chain") == "ok");
  CHECK(ok.at("events") == 22);
  CHECK(ok.at("projections")[0].at("match") == true);

  // The triggers refuse, even the sqlite3 shell.
  auto refused =
      run_shell(dir, cat("sqlite3 ", shell_quote(db),
                         " \"UPDATE events SET recorded_by = 'mallory' WHERE position = 3\""));
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("events are append-only") != std::string::npos);
  CHECK(verify(dir, db, 0).at("verified") == true);

  // Dropping them lets the shell rewrite an event; verify finds it.
  auto forged =
      run_shell(dir, cat("sqlite3 ", shell_quote(db),
                         " \"DROP TRIGGER events_no_update; UPDATE events SET data ="
                         " json_set(data, '\\$.title', 'Donda (Deluxe)') WHERE position = 10\""));
  REQUIRE_MESSAGE(forged.exit_code == 0, forged.err);
  auto r = run_starlog(dir, cat("verify --db ", shell_quote(db)));
  CHECK(r.exit_code == 1);
  const Json bad = Json::parse(r.out);
  CHECK(bad.at("verified") == false);
  CHECK(bad.at("chain") == "broken");
  CHECK(bad.at("first_bad_position") == 10);
  CHECK(bad.at("problem") == "position 10: the content does not match its stored content_digest");
  CHECK(bad.at("projections")[0].at("match") == false);
  CHECK(r.err.find("broken at position 10") != std::string::npos);
  CHECK(r.err.find("projection timeline differs") != std::string::npos);

  CHECK(run_starlog(dir, cat("verify --db ", shell_quote(dir.file("missing.db")))).exit_code == 1);
  CHECK(run_starlog(dir, "verify --help").exit_code == 0);
}

TEST_CASE(
    "replay prints a timeline as of a position or an instant and refuses what it cannot answer") {
  TempDir dir;
  const std::string db = demo_store(dir);
  auto replay = [&](const std::string& args) {
    return run_starlog(dir, cat("replay --db ", shell_quote(db), " --celebrity jay-z ", args));
  };
  auto status_at = [&](const std::string& args) {
    auto r = replay(args);
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    const Json doc = Json::parse(r.out);
    REQUIRE(doc.at("entries").size() == 1);
    return doc.at("entries")[0].at("status").get<std::string>();
  };
  CHECK(status_at("--as-of-position 21") == "active");
  CHECK(status_at("--as-of-position 22") == "corrected");
  CHECK(status_at("") == "corrected");
  CHECK(status_at("--as-of 9999-12-31T23:59:59Z") == "corrected");
  CHECK(Json::parse(replay("--as-of-position 21").out).at("position") == 21);

  // Pages: --limit and --cursor walk the same entries as one long page.
  auto page = [&](const std::string& args) {
    auto r =
        run_starlog(dir, cat("replay --db ", shell_quote(db), " --celebrity kanye-west ", args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return Json::parse(r.out);
  };
  const Json all = page("--limit 500 --as-of-position 21");
  REQUIRE(all.at("entries").size() > 3);
  const Json first = page("--limit 2 --as-of-position 21");
  REQUIRE(first.at("next_cursor").is_string());
  const Json second = page(
      cat("--limit 2 --as-of-position 21 --cursor ", first.at("next_cursor").get<std::string>()));
  CHECK(first.at("entries")[1] == all.at("entries")[1]);
  CHECK(second.at("entries")[0] == all.at("entries")[2]);

  auto before = replay("--as-of 2000-01-01T00:00:00Z");
  CHECK(before.exit_code == 1);
  CHECK(before.err.find("no celebrity with id 'jay-z'") != std::string::npos);
  CHECK(replay("--as-of-position 23").exit_code == 1);
  CHECK(replay("--as-of-position 3 --as-of 2021-01-01T00:00:00Z").exit_code == 2);
  CHECK(replay("--as-of yesterday").exit_code == 2);
  CHECK(run_starlog(dir, cat("replay --db ", shell_quote(db))).exit_code == 2);
  CHECK(run_starlog(dir, "replay --help").exit_code == 0);
}

TEST_CASE("export, restore and export again give the same bytes, hashes and projection digests") {
  TempDir dir;
  const std::string a = demo_store(dir, "a.db"), b = dir.file("b.db");
  auto first = run_starlog(dir, cat("export --db ", shell_quote(a)));
  REQUIRE(first.exit_code == 0);
  write_file(dir.file("backup.ndjson"), first.out);
  auto restored = run_starlog(dir, cat("import --restore --db ", shell_quote(b), " ",
                                       shell_quote(dir.file("backup.ndjson"))));
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  auto again = run_starlog(dir, cat("export --db ", shell_quote(b), " | cmp - ",
                                    shell_quote(dir.file("backup.ndjson"))));
  CHECK(again.exit_code == 0);
  const Json va = verify(dir, a, 0), vb = verify(dir, b, 0);
  CHECK(vb.at("head_hash") == va.at("head_hash"));
  CHECK(vb.at("projections")[0].at("live_digest") == va.at("projections")[0].at("live_digest"));
  CHECK(vb.at("projections")[0].at("position") == 22);
}

TEST_CASE(
    "a restore of an export whose chain is broken is refused with the position and writes "
    "nothing") {
  TempDir dir;
  const std::string a = demo_store(dir, "a.db");
  auto lines = lines_of(run_starlog(dir, cat("export --db ", shell_quote(a))).out);
  REQUIRE(lines.size() == 22);
  const std::string restore_bad = cat("import --restore --db ", shell_quote(dir.file("c.db")), " ",
                                      shell_quote(dir.file("bad.ndjson")));
  SUBCASE("an altered event") {
    const auto at = lines[9].find("\"Donda\"");
    REQUIRE(at != std::string::npos);
    lines[9].replace(at, 7, "\"Donda (Deluxe)\"");
    write_file(dir.file("bad.ndjson"), joined(lines));
    auto r = run_starlog(dir, restore_bad);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("restore refused at position 10: the hash does not chain from position 9; "
                     "nothing was restored") != std::string::npos);
  }
  SUBCASE("an event left out") {
    lines.erase(lines.begin() + 14);
    write_file(dir.file("bad.ndjson"), joined(lines));
    auto r = run_starlog(dir, restore_bad);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("restore refused at position 16") != std::string::npos);
  }
  SUBCASE("a line that is not an envelope, late in the file") {
    lines[20] = "{\"not\": \"an envelope\"}";
    write_file(dir.file("bad.ndjson"), joined(lines));
    auto r = run_starlog(dir, restore_bad);
    CHECK(r.exit_code == 1);
  }
  auto left = run_starlog(dir, cat("export --db ", shell_quote(dir.file("c.db"))));
  CHECK(left.exit_code == 0);
  CHECK(left.out.empty());
}

}  // namespace
}  // namespace starlog::test
