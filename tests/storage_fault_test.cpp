// Storage faults, end to end: a full store (simulated with --max-db-size,
// which caps the file through SQLite's max_page_count, so SQLite reports
// SQLITE_FULL exactly as on a full disk), a read-only file and corrupt files.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "domain/uuid.h"
#include "tests/support/log_check.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

Json big_song(const std::string& id) {
  Json sources = Json::array();
  for (int k = 0; k < 20; ++k) {
    sources.push_back({{"url", "https://example.com/" + std::to_string(k)},
                       {"quote", std::string(2000, static_cast<char>('a' + k))}});
  }
  return {{"id", id},
          {"type", "song_released"},
          {"occurred", "2021-08-29"},
          {"data", {{"title", "Filler"}}},
          {"sources", sources}};
}

const char* kTarget = "/v1/celebrities/full-test/events";

// Appends batches of three big songs until the store answers 507 (at most
// `attempts` batches): the ids acknowledged, the first refusal and its ids.
struct Filled {
  std::vector<std::string> acknowledged;
  HttpResult full;
  std::vector<std::string> refused;
};
Filled fill_until_full(HttpClient& c, const ServerProcess& server, int attempts) {
  Filled out;
  for (int attempt = 0; attempt < attempts && out.full.status != 507; ++attempt) {
    Json batch = Json::array();
    std::vector<std::string> ids;
    for (int k = 0; k < 3; ++k) {
      ids.push_back(domain::make_uuid_v7());
      batch.push_back(big_song(ids.back()));
    }
    const HttpResult r = c.post_json(kTarget, batch, write_headers(server));
    if (r.status == 201) {
      out.acknowledged.insert(out.acknowledged.end(), ids.begin(), ids.end());
    } else {
      out.full = r;
      out.refused = ids;
    }
  }
  return out;
}

struct StartResult {
  int exit_code = -1;
  std::string output;
};

// Runs `[prefix] <binary> serve --db <db> ...` expecting it to refuse to
// start. A server that does start is stopped after 10 s by `timeout`, and
// then fails the test by its exit code.
StartResult try_serve(const TempDir& dir, const std::string& db, const std::string& prefix = "",
                      const std::string& binary = ServerProcess::binary()) {
  const std::string out = dir.file("serve.out");
  const std::string cmd = prefix + "timeout 10 '" + binary + "' serve --db '" + db +
                          "' --listen 127.0.0.1:" + std::to_string(ServerProcess::free_port()) +
                          " >'" + out + "' 2>&1";
  const int status = std::system(cmd.c_str());
  StartResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  return r;
}

TEST_CASE("a full store answers 507, writes nothing, and takes appends again once there is room") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  std::vector<std::string> acknowledged;
  {
    ServerProcess server(db, {"--max-db-size", "400K"});
    HttpClient c = server.client();
    const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Full Test"}}}};
    REQUIRE(c.post_json(kTarget, reg, write_headers(server)).status == 201);

    Filled filled = fill_until_full(c, server, 100);
    acknowledged = filled.acknowledged;
    const HttpResult& full = filled.full;
    const std::vector<std::string>& refused = filled.refused;
    REQUIRE(full.status == 507);
    CHECK(full.header("content-type") == "application/problem+json");
    CHECK(full.json().at("type") == "https://starlog.dev/problems/storage-full");
    CHECK_FALSE(acknowledged.empty());

    // Nothing of the refused batch was written; what was acknowledged is there.
    std::vector<domain::Event> log = read_log(c);
    CHECK(log.size() == acknowledged.size() + 1);
    for (const auto& e : log) {
      CHECK(std::find(refused.begin(), refused.end(), e.id) == refused.end());
    }
    CHECK(log_problem(log) == "");

    // Still serving reads, and still refusing cleanly.
    CHECK(c.get("/healthz").status == 200);
    CHECK(c.get("/v1/celebrities/full-test").status == 200);
    Json again = Json::array();  // as large as the refused batch
    for (int k = 0; k < 3; ++k) again.push_back(big_song(domain::make_uuid_v7()));
    CHECK(c.post_json(kTarget, again, write_headers(server)).status == 507);
    const std::string metrics = c.get("/metrics").body;
    CHECK(metrics.find("starlog_append_requests_total{outcome=\"storage_full\"}") !=
          std::string::npos);
    CHECK(server.stop() == 0);
  }
  // Space returns (here: the quota is lifted): the same file takes appends
  // again, the chain continues, and the projection holds every fact once.
  ServerProcess server(db);
  HttpClient c = server.client();
  const std::string id = domain::make_uuid_v7();
  const HttpResult r = c.post_json(kTarget, big_song(id), write_headers(server));
  REQUIRE(r.status == 201);
  acknowledged.push_back(id);
  const std::vector<domain::Event> log = read_log(c);
  CHECK(log.size() == acknowledged.size() + 1);
  CHECK(log_problem(log) == "");
  REQUIRE(wait_ready(c));
  CHECK(c.get("/v1/celebrities/full-test").json().at("fact_count") == acknowledged.size());
}

// Sets an environment variable for the life of the object.
class EnvGuard {
 public:
  EnvGuard(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~EnvGuard() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE(
    "a really full disk (a small tmpfs) answers 507 and recovers in place when space returns") {
  TempDir dir;
  const std::string mount_dir = dir.file("full");
  std::filesystem::create_directory(mount_dir);
  // A private mount namespace (and user namespace, so no privilege is
  // needed where unprivileged namespaces are allowed) with a tmpfs of its own.
  const std::string probe =
      "unshare -rm sh -c 'mount -t tmpfs -o size=64k probe \"" + mount_dir + "\"' >/dev/null 2>&1";
  // Never skipped: the machines Starlog is built and tested on (Debian 12,
  // root or unprivileged user namespaces) allow it.
  REQUIRE_MESSAGE(std::system(probe.c_str()) == 0,
                  "this test needs a private mount namespace: `unshare -rm` failed");
  const std::string wrapper = dir.file("in-tmpfs.sh");
  {
    std::ofstream w(wrapper);
    w << "#!/bin/sh\n"
      << "exec unshare -rm sh -c 'mount -t tmpfs -o size=768k starlog-full \"$0\" || exit 97; "
         "exec \"$@\"' '"
      << mount_dir << "' '" << ServerProcess::binary() << "' \"$@\"\n";
  }
  REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
  const EnvGuard env("STARLOG_BINARY", wrapper);
  ServerProcess server(mount_dir + "/starlog.db");
  HttpClient c = server.client();
  // The tmpfs is seen through the server's own root.
  const std::string inside = "/proc/" + std::to_string(server.pid()) + "/root" + mount_dir;
  REQUIRE(std::filesystem::exists(inside + "/starlog.db"));
  const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Full Test"}}}};
  REQUIRE(c.post_json(kTarget, reg, write_headers(server)).status == 201);

  // Fill the disk.
  {
    std::FILE* filler = std::fopen((inside + "/filler").c_str(), "wb");
    REQUIRE(filler != nullptr);
    const std::string block(4096, 'f');
    for (int i = 0; i < 1024; ++i) {
      if (std::fwrite(block.data(), 1, block.size(), filler) != block.size()) break;
      if (std::fflush(filler) != 0) break;
    }
    std::fclose(filler);
  }

  Filled filled = fill_until_full(c, server, 30);
  std::vector<std::string>& acknowledged = filled.acknowledged;
  const HttpResult& full = filled.full;
  const std::vector<std::string>& refused = filled.refused;
  CAPTURE(full.body);
  REQUIRE(full.status == 507);
  CHECK(full.json().at("type") == "https://starlog.dev/problems/storage-full");
  CHECK(c.get("/healthz").status == 200);
  std::vector<domain::Event> log = read_log(c);
  CHECK(log.size() == acknowledged.size() + 1);
  for (const auto& e : log) CHECK(std::find(refused.begin(), refused.end(), e.id) == refused.end());

  // Space returns: the same process appends again, no restart.
  REQUIRE(std::filesystem::remove(inside + "/filler"));
  const std::string id = domain::make_uuid_v7();
  REQUIRE(c.post_json(kTarget, big_song(id), write_headers(server)).status == 201);
  acknowledged.push_back(id);
  log = read_log(c);
  CHECK(log.size() == acknowledged.size() + 1);
  CHECK(log_problem(log) == "");
  REQUIRE(wait_ready(c));
  CHECK(c.get("/v1/celebrities/full-test").json().at("fact_count") == acknowledged.size());
  CHECK(server.stop() == 0);
}

TEST_CASE("a database file that is not a Starlog database is a clear start-up error") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  SUBCASE("text") {
    std::ofstream(db) << "not a database at all, but long enough to look like one"
                      << std::string(500, 'x');
  }
  SUBCASE("a Starlog database whose pages were overwritten") {
    {
      ServerProcess server(db);
      HttpClient c = server.client();
      const Json reg = {{"type", "celebrity_registered"}, {"data", {{"name", "Corrupt Test"}}}};
      REQUIRE(
          c.post_json("/v1/celebrities/corrupt-test/events", reg, write_headers(server)).status ==
          201);
      REQUIRE(server.stop() == 0);
    }
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekp(100);  // past the 100-byte file header: the schema page and beyond
    const std::string junk(16 * 1024, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const StartResult r = try_serve(dir, db);
  CAPTURE(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("cannot open") != std::string::npos);
  CHECK(r.output.find("ERROR: AddressSanitizer") == std::string::npos);
}

TEST_CASE("a read-only database file is a clear start-up error") {
  TempDir dir;
  const std::string db = dir.file("starlog.db");
  {
    ServerProcess server(db);
    REQUIRE(server.stop() == 0);
  }
  REQUIRE(::chmod(db.c_str(), 0444) == 0);
  // root writes through file modes, so run the server as nobody there.
  // nobody may not be able to reach the build tree (a clone under a private
  // directory such as root's home), so it runs a copy of the binary that
  // sits in the temporary directory, which it may enter.
  std::string prefix;
  std::string binary = ServerProcess::binary();
  if (::geteuid() == 0) {
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    binary = dir.file("starlog");
    std::filesystem::copy_file(ServerProcess::binary(), binary);
    REQUIRE(::chmod(binary.c_str(), 0755) == 0);
    prefix = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";
  }
  const StartResult r = try_serve(dir, db, prefix, binary);
  CAPTURE(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("read-only") != std::string::npos);
}

}  // namespace
}  // namespace starlog::test
