// bench/sqlite_baseline: the baselines of `make bench`, measured with plain
// SQLite on the same disk as the server's database.
//
//   sqlite_baseline appends DB SECONDS   single-row transactions, WAL,
//                                        synchronous=FULL: rows/s
//   sqlite_baseline scan DB              a plain scan of the events table of a
//                                        Starlog database: rows/s
//   sqlite_baseline bulk DB FILE         the lines of FILE (NDJSON) inserted in
//                                        one transaction into a table with one
//                                        TEXT column, WAL, synchronous=FULL:
//                                        rows/s, reading the file included
// Prints one JSON object.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "sqlite_baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "open failed");
  return 1;
}

int appends(const char* path, double seconds) {
  std::remove(path);
  sqlite3* db = nullptr;
  if (sqlite3_open(path, &db) != SQLITE_OK) return die(db, "open");
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE t(position INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO t(id, body) VALUES(?, ?)", -1, &ins, nullptr) !=
      SQLITE_OK)
    return die(db, "prepare");
  const std::string body(600, 'x');  // about the size of a Starlog event
  long n = 0;
  const double start = now_s();
  double t = start;
  while (t - start < seconds) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    const std::string id = "id-" + std::to_string(n);
    sqlite3_bind_text(ins, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, body.c_str(), static_cast<int>(body.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) return die(db, "insert");
    sqlite3_reset(ins);
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
      return die(db, "commit");
    ++n;
    t = now_s();
  }
  sqlite3_finalize(ins);
  sqlite3_close(db);
  std::printf("{\"rows\": %ld, \"seconds\": %.3f, \"per_second\": %.1f}\n", n, t - start,
              n / (t - start));
  return 0;
}

int scan(const char* path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return die(db, "open");
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT position, id, stream, version, type, occurred, data, participants,"
                         " sources, recorded_at, recorded_by, hash FROM events ORDER BY position",
                         -1, &q, nullptr) != SQLITE_OK)
    return die(db, "prepare");
  long n = 0;
  std::size_t bytes = 0;
  const double start = now_s();
  while (sqlite3_step(q) == SQLITE_ROW) {
    for (int c = 0; c < 12; ++c) bytes += static_cast<std::size_t>(sqlite3_column_bytes(q, c));
    ++n;
  }
  const double secs = now_s() - start;
  sqlite3_finalize(q);
  sqlite3_close(db);
  std::printf("{\"rows\": %ld, \"bytes\": %zu, \"seconds\": %.3f, \"per_second\": %.1f}\n", n,
              bytes, secs, n / secs);
  return 0;
}

int bulk(const char* path, const char* file) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((std::string(path) + suffix).c_str());
  const double start = now_s();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sqlite_baseline: cannot read %s\n", file);
    return 1;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path, &db) != SQLITE_OK) return die(db, "open");
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE lines(line TEXT);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO lines(line) VALUES(?)", -1, &ins, nullptr) != SQLITE_OK)
    return die(db, "prepare");
  if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return die(db, "begin");
  long n = 0;
  std::size_t bytes = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    sqlite3_bind_text(ins, 1, line.data(), static_cast<int>(line.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) return die(db, "insert");
    sqlite3_reset(ins);
    bytes += line.size();
    ++n;
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return die(db, "commit");
  sqlite3_finalize(ins);
  sqlite3_close(db);
  const double secs = now_s() - start;
  std::printf("{\"rows\": %ld, \"bytes\": %zu, \"seconds\": %.3f, \"per_second\": %.1f}\n", n,
              bytes, secs, n / secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "appends") return appends(argv[2], std::atof(argv[3]));
  if (argc == 3 && std::string(argv[1]) == "scan") return scan(argv[2]);
  if (argc == 4 && std::string(argv[1]) == "bulk") return bulk(argv[2], argv[3]);
  std::fprintf(stderr, "usage: sqlite_baseline appends DB SECONDS | scan DB | bulk DB FILE\n");
  return 2;
}
