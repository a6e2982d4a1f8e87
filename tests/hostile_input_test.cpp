// Hostile input against the real binary over raw sockets: well over a hundred
// malformed or abusive requests, each answered as expected (a 4xx problem, or
// a closed connection where no answer is possible), none a 5xx, nothing
// written, and the server healthy throughout. Then the slow-client, idle and
// connection limits, each set by its flag.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <thread>

#include "tests/support/cli.h"
#include "tests/support/log_check.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace starlog::test {
namespace {

struct Case {
  std::string name;
  std::string bytes;
  std::set<int> allowed;  // 0: closed without an answer
};

const char* kEvents = "/v1/celebrities/hostile/events";

// "Authorization: Bearer <editor secret>\r\n", sent with every POST so that
// hostile bodies reach validation instead of stopping at 401.
std::string g_editor_auth;

std::string request(std::string_view method, std::string_view target, std::string_view body = "",
                    std::string_view extra_headers = "",
                    std::string_view content_type = "application/json") {
  std::string r(method);
  r += ' ';
  r += target;
  r += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (method == "POST") r += g_editor_auth;
  if (!content_type.empty() && !body.empty()) {
    r += "Content-Type: ";
    r += content_type;
    r += "\r\n";
  }
  if (!body.empty()) {
    r += "Content-Length: ";
    r += std::to_string(body.size());
    r += "\r\n";
  }
  r += extra_headers;
  r += "\r\n";
  r += body;
  return r;
}

std::vector<Case> hostile_cases() {
  std::vector<Case> cases;
  auto add = [&](std::string name, std::string bytes, std::set<int> allowed) {
    cases.push_back({std::move(name), std::move(bytes), std::move(allowed)});
  };
  // POSTs carry an editor token (g_editor_auth), so hostile bodies reach
  // validation; the auth cases below go without or with a bad one.
  const std::set<int> bad_request{400};
  const std::set<int> bad_append{400, 413, 415, 422};

  // -- request line --------------------------------------------------------
  add("garbage", "THIS IS NOT HTTP\r\n\r\n", bad_request);
  add("empty line then garbage", "\r\n\r\nxyz\r\n\r\n", {0, 400});
  add("binary", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",
      bad_request);
  add("NUL in request line", std::string("GET /he\0lthz HTTP/1.1\r\nHost: x\r\n\r\n", 33),
      bad_request);
  add("no version", "GET /healthz\r\nHost: x\r\n\r\n", bad_request);
  add("HTTP/9.9", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", {200, 400, 505});
  add("HTTP/0.9 style", "GET /healthz\r\n\r\n", bad_request);
  add("lower-case version", "GET /healthz http/1.1\r\nHost: x\r\n\r\n", bad_request);
  add("two spaces", "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", bad_request);
  add("tab separator", "GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n", bad_request);
  add("bare LF line ends", "GET /healthz HTTP/1.1\nHost: x\n\n", {0, 200, 400});
  add("unknown method", "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400, 405, 501});
  add("lower-case method", "get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400, 405, 501});
  add("method of 5000 bytes", std::string(5000, 'G') + " / HTTP/1.1\r\nHost: x\r\n\r\n",
      {400, 404, 405, 431, 501});
  add("DELETE on the log", request("DELETE", "/v1/events"), {405});
  add("PUT on a celebrity", request("PUT", "/v1/celebrities/kanye-west", "{}"), {405});
  add("TRACE", request("TRACE", "/healthz"), {405});
  add("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
      {400, 404, 405});
  add("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", {204, 400, 404, 405});
  add("absolute-form target", request("GET", "http://evil.example/healthz"), {400, 404});
  add("empty target", "GET  HTTP/1.1\r\nHost: x\r\n\r\n", bad_request);

  // -- targets ---------------------------------------------------------------
  add("target over --max-url", request("GET", "/v1/events?x=" + std::string(9000, 'a')), {414});
  add("target over the header limit", request("GET", "/" + std::string(20000, 'a')), {431});
  add("dot-dot path", request("GET", "/../../etc/passwd"), {400, 404});
  add("encoded dot-dot", request("GET", "/v1/%2e%2e/%2e%2e/etc/passwd"), {400, 404});
  add("bad percent escape", request("GET", "/v1/celebrities/%zz"), {400, 404});
  add("truncated percent escape", request("GET", "/v1/celebrities/%4"), {400, 404});
  add("percent-encoded NUL", request("GET", "/v1/celebrities/a%00b"), {400, 404});
  add("invalid UTF-8 in path", request("GET", "/v1/celebrities/%ff%fe"), {400, 404});
  add("overlong UTF-8 in path", request("GET", "/v1/celebrities/%c0%af"), {400, 404});
  add("double slashes", request("GET", "//v1//events"), {400, 404});
  add("backslashes", request("GET", "/v1\\events"), {400, 404});
  for (const char* q : {"limit=-1",
                        "limit=0",
                        "limit=501",
                        "limit=99999999999999999999",
                        "limit=1e3",
                        "limit=",
                        "limit=abc",
                        "limit=1&limit=2",
                        "cursor=garbage",
                        "cursor=%ff",
                        "order=sideways",
                        "role=god",
                        "types=not_a_type",
                        "from=2021-02-29",
                        "to=9999999",
                        "from=2021-13",
                        "include=everything",
                        "%zz=1",
                        "a=%",
                        "from=2021-01-01T25:00Z"}) {
    add(std::string("timeline ?") + q,
        request("GET", std::string("/v1/celebrities/kanye-west/timeline?") + q), {400, 404});
  }
  for (const char* q : {"after=-1", "after=x", "limit=1001", "limit=-5", "types=,,,%ff"}) {
    add(std::string("log ?") + q, request("GET", std::string("/v1/events?") + q), bad_request);
  }

  // -- headers ---------------------------------------------------------------
  {
    std::string many;
    for (int i = 0; i < 150; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    add("150 header fields", request("GET", "/healthz", "", many), {431});
  }
  add("one 20 KiB header",
      request("GET", "/healthz", "", "X-Big: " + std::string(20000, 'b') + "\r\n"), {431});
  add("header without colon", request("GET", "/healthz", "", "NoColonHere\r\n"), bad_request);
  add("space before colon", request("GET", "/healthz", "", "X-Bad : v\r\n"), bad_request);
  add("obsolete line folding", request("GET", "/healthz", "", "X-A: one\r\n two\r\n"), {200, 400});
  add("NUL in a header value", request("GET", "/healthz", "", std::string("X-A: a\0b\r\n", 10)),
      bad_request);
  add("CR alone in a header", request("GET", "/healthz", "", "X-A: a\rb\r\n"), bad_request);
  add("empty header name", request("GET", "/healthz", "", ": v\r\n"), bad_request);
  add("unicode header name", request("GET", "/healthz", "", "X-\xc3\xa9: v\r\n"), bad_request);
  add("hostile X-Request-Id is replaced",
      request("GET", "/healthz", "", "X-Request-Id: <script>\r\n"), {200});
  add("200-byte X-Request-Id is replaced",
      request("GET", "/healthz", "", "X-Request-Id: " + std::string(200, 'r') + "\r\n"), {200});

  // -- framing ---------------------------------------------------------------
  const std::string ev = R"({"type":"statement_made","occurred":"2021","data":{"quote":"x"}})";
  const std::string post_head =
      std::string("POST ") + kEvents + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  add("Content-Length and Transfer-Encoding",
      post_head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", bad_request);
  add("Transfer-Encoding then Content-Length",
      post_head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", bad_request);
  add("gzip Transfer-Encoding then Content-Length",
      post_head + "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", bad_request);
  add("Transfer-Encoding: gzip, chunked",
      post_head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", bad_request);
  add("Transfer-Encoding twice",
      post_head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      bad_request);
  add("Transfer-Encoding: identity", post_head + "Transfer-Encoding: identity\r\n\r\n",
      bad_request);
  add("duplicate equal Content-Length",
      post_head + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", bad_request);
  add("duplicate different Content-Length",
      post_head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}}", bad_request);
  add("Content-Length list", post_head + "Content-Length: 2, 2\r\n\r\n{}", bad_request);
  add("negative Content-Length", post_head + "Content-Length: -1\r\n\r\n", bad_request);
  add("hex Content-Length", post_head + "Content-Length: 0x10\r\n\r\n", bad_request);
  add("Content-Length with a plus", post_head + "Content-Length: +2\r\n\r\n{}", bad_request);
  add("Content-Length overflowing 64 bits",
      post_head + "Content-Length: 99999999999999999999999\r\n\r\n", {400, 413});
  add("Content-Length past the body limit", post_head + "Content-Length: 2000000\r\n\r\n", {413});
  add("body shorter than Content-Length", post_head + "Content-Length: 100\r\n\r\n{}", {0, 400});
  add("bad chunk size", post_head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", bad_request);
  add("chunk size overflow",
      post_head + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", {400, 413});
  add("chunk without CRLF", post_head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
      bad_request);
  add("chunk extension junk",
      post_head + "Transfer-Encoding: chunked\r\n\r\n2;;;=\r\n{}\r\n0\r\n\r\n", {400, 422, 401});
  {
    std::string chunks = post_head + "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 40; ++i) chunks += "8000\r\n" + std::string(0x8000, ' ') + "\r\n";
    chunks += "0\r\n\r\n";
    add("chunked body past the body limit", chunks, {413});
  }
  add("Expect: 100-continue with a huge body",
      post_head + "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n", {413});
  add("pipelined garbage after a request", request("GET", "/healthz") + "GARBAGE\r\n\r\n", {200});

  // -- bodies ----------------------------------------------------------------
  for (const std::string& body : std::vector<std::string>{
           "{",
           "}",
           "[",
           "nul",
           "{\"type\":}",
           "{'type':'x'}",
           "{\"a\":1,}",
           "[1,]",
           "\"just a string\"",
           "42",
           "null",
           "true",
           "[]",
           "[1,2,3]",
           "[[]]",
           "{}",
           "{\"type\":\"statement_made\"}",
           "\xff\xfe\xfd",
           "{\"type\":\"\xc3\x28\"}",
           "{\"type\":\"statement_made\",\"data\":{\"quote\":\"\\ud800\"}}",
           "{\"type\":\"statement_made\",\"occurred\":1e999,\"data\":{}}",
           "{\"type\":\"nope\",\"data\":{}}",
           "{\"type\":\"statement_made\",\"data\":[]}",
           "{\"type\":\"statement_made\",\"occurred\":\"2021-02-30\",\"data\":{\"quote\":\"x\"}}",
           "{\"type\":\"statement_made\",\"occurred\":\"2021\",\"data\":{\"quote\":\"x\"},"
           "\"stream\":\"other\"}",
           "{\"id\":\"not-a-uuid\",\"type\":\"statement_made\",\"occurred\":\"2021\",\"data\":{"
           "\"quote\":\"x\"}}",
           "{\"type\":\"celebrity_registered\",\"data\":{\"name\":\"" + std::string(300, 'n') +
               "\"}}",
           "{\"type\":\"celebrity_registered\",\"data\":{\"name\":\"a\\u0000b\"}}",
           "{\"type\":\"statement_made\",\"occurred\":\"2021\",\"data\":{\"quote\":\"x\"},"
           "\"sources\":[{\"url\":\"javascript:alert(1)\"}]}",
           std::string(70, '[') + std::string(70, ']'),
           std::string(100000, '['),
           std::string(50000, '{'),
           "[" + std::string(40, '{') + "]",
           "{\"type\":\"statement_made\",\"occurred\":\"2021\",\"data\":{\"quote\":\"" +
               std::string(70000, 'q') + "\"}}",
       }) {
    add("body " + body.substr(0, 40), request("POST", kEvents, body), bad_append);
  }
  {
    std::string batch = "[";
    for (int i = 0; i < 1001; ++i) batch += (i ? "," : "") + ev;
    batch += "]";
    add("batch of 1001 events", request("POST", kEvents, batch), bad_append);
  }
  add("no Content-Type", request("POST", kEvents, ev, "", ""), bad_append);
  add("text/plain", request("POST", kEvents, ev, "", "text/plain"), bad_append);
  add("multipart", request("POST", kEvents, ev, "", "multipart/form-data; boundary=x"), bad_append);
  add("invalid celebrity id", request("POST", "/v1/celebrities/BAD_ID!/events", ev),
      {400, 404, 422});
  add("celebrity id of 500 chars",
      request("POST", "/v1/celebrities/" + std::string(500, 'a') + "/events", ev), {400, 404, 422});
  add("If-Match garbage", request("POST", kEvents, ev, "If-Match: banana\r\n"), bad_append);
  add("If-Match and If-None-Match",
      request("POST", kEvents, ev, "If-Match: \"1\"\r\nIf-None-Match: *\r\n"), bad_append);
  add("If-None-Match not *", request("POST", kEvents, ev, "If-None-Match: \"3\"\r\n"), bad_append);
  add("unregistered stream", request("POST", kEvents, ev), {422});

  // -- authentication --------------------------------------------------------
  const std::string anonymous = std::string("POST ") + kEvents +
                                " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                "Content-Length: " +
                                std::to_string(ev.size()) + "\r\n";
  add("append without a token", anonymous + "\r\n" + ev, {401});
  add("unknown bearer token", anonymous + "Authorization: Bearer stl_nope\r\n\r\n" + ev, {401});
  add("Basic credentials", anonymous + "Authorization: Basic YTpi\r\n\r\n" + ev, {401});
  add("empty Authorization", anonymous + "Authorization:\r\n\r\n" + ev, {400, 401});
  add("bearer of 10 KiB",
      anonymous + "Authorization: Bearer " + std::string(10000, 'x') + "\r\n\r\n" + ev, {401, 431});
  return cases;
}

void check_answer(const Case& c, const HttpResult& r) {
  CAPTURE(c.name);
  CAPTURE(r.status);
  CAPTURE(r.body.substr(0, 300));
  CHECK(c.allowed.count(r.status) == 1);
  CHECK(r.status < 500);
  if (r.status == 0) return;
  CHECK_FALSE(r.header("x-request-id").empty());
  CHECK(r.header("x-request-id").find('<') == std::string::npos);
  CHECK(r.header("x-request-id").size() <= 64);
  if (r.status >= 400) {
    CHECK(r.header("content-type") == "application/problem+json");
    const Json problem = Json::parse(r.body, nullptr, false);
    REQUIRE_FALSE(problem.is_discarded());
    CHECK(problem.at("status") == r.status);
    CHECK(problem.at("type").get<std::string>().rfind("https://starlog.dev/problems/", 0) == 0);
  }
}

TEST_CASE("over a hundred hostile requests are each refused cleanly and nothing is written") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"), {"--read-timeout", "2"});
  HttpClient client = server.client();
  g_editor_auth =
      "Authorization: Bearer " + create_token(dir.file("starlog.db"), "hostile", "editor") + "\r\n";
  const std::int64_t head_before = client.get("/v1/events").json().at("head");

  const std::vector<Case> cases = hostile_cases();
  REQUIRE(cases.size() >= 100);
  MESSAGE(cases.size() << " hostile requests");
  int n = 0;
  for (const Case& c : cases) {
    HttpClient raw = server.client();
    HttpResult r;
    try {
      r = raw.send_raw(c.bytes);
    } catch (const std::exception& e) {
      FAIL_CHECK(c.name << ": " << e.what());
      continue;
    }
    check_answer(c, r);
    if (++n % 10 == 0) REQUIRE_MESSAGE(client.get("/healthz").status == 200, "after " << c.name);
  }

  // Still healthy, still serving, and nothing was written.
  CHECK(server.running());
  CHECK(client.get("/healthz").status == 200);
  CHECK(client.get("/v1/celebrities/kanye-west/timeline").status == 404);
  CHECK(client.get("/v1/events").json().at("head") == head_before);
  const std::string metrics = client.get("/metrics").body;
  CHECK(metrics.find("status=\"400\"") != std::string::npos);
  CHECK(metrics.find("status=\"413\"") != std::string::npos);
  CHECK(metrics.find("status=\"431\"") != std::string::npos);
}

TEST_CASE("a slow client is cut off by --read-timeout, an idle one by --idle-timeout") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"), {"--read-timeout", "1", "--idle-timeout", "1"});
  SUBCASE("slowloris: a header that never ends") {
    RawSocket s(server.port());
    REQUIRE(s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    // One more header byte every 100 ms: each arrives, none finishes the
    // header; the whole-request deadline still closes the connection.
    for (int i = 0; i < 100 && !s.closed(); ++i) {
      if (!s.send("X")) break;
      s.read_for(std::chrono::milliseconds(100));
    }
    s.read_for(std::chrono::seconds(5));
    CHECK(s.closed());
  }
  SUBCASE("a body that trickles in") {
    RawSocket s(server.port());
    REQUIRE(s.send(
        std::string("POST ") + kEvents +
        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"));
    for (int i = 0; i < 100 && !s.closed(); ++i) {
      if (!s.send("[")) break;
      s.read_for(std::chrono::milliseconds(100));
    }
    s.read_for(std::chrono::seconds(5));
    CHECK(s.closed());
  }
  SUBCASE("idle keep-alive") {
    RawSocket s(server.port());
    REQUIRE(s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string answer = s.read_for(std::chrono::seconds(10));
    CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
    s.read_for(std::chrono::seconds(10));  // nothing more sent: the server hangs up
    CHECK(s.closed());
  }
  SUBCASE("connected, never a byte") {
    RawSocket s(server.port());
    s.read_for(std::chrono::seconds(10));
    CHECK(s.closed());
  }
  CHECK(server.client().get("/healthz").status == 200);
}

TEST_CASE("a slow reader is cut off once a response stays unread past --read-timeout") {
  TempDir dir;
  // A long idle timeout: only the unread response can end the connection.
  ServerProcess server(dir.file("starlog.db"), {"--read-timeout", "2", "--idle-timeout", "600"});
  // What slowhttptest -X does: a small window, then 32 bytes at a time of
  // a large answer (the API description, ~225 KB), keep-alive.
  RawSocket s(server.port(), 2048);
  REQUIRE(s.send("GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::size_t read = 0;
  // 32 bytes every 25 ms (about 1.3 KB/s): slow enough never to finish in
  // the 30 s this loop may take, fast enough to drain what the client's
  // kernel already holds once the server has reset the connection.
  for (int i = 0; i < 1200 && !s.closed(); ++i) {
    read += s.read_at_most(32, std::chrono::milliseconds(25)).size();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CAPTURE(read);
  CHECK(s.closed());
  CHECK(read < 100000);  // cut off long before it could have read the answer
  // An ordinary reader of the same answer is served whole.
  const HttpResult whole = server.client().get("/openapi.json");
  CHECK(whole.status == 200);
  CHECK(whole.body.size() > 100000);
}

TEST_CASE("--max-connections turns the next connection away with 503 and Retry-After") {
  TempDir dir;
  ServerProcess server(dir.file("starlog.db"), {"--max-connections", "2"});
  // The readiness probe's connection may still be closing: wait until a
  // third connection is refused, bounded.
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawSocket>(server.port()));
    REQUIRE(held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(held.back()->read_for(std::chrono::seconds(5)).rfind("HTTP/1.1 200", 0) == 0);
  }
  HttpResult refused;
  for (int i = 0; i < 100 && refused.status != 503; ++i) {
    refused = server.client().send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    if (refused.status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(refused.status == 503);
  CHECK(refused.header("retry-after") == "1");
  CHECK(refused.header("content-type") == "application/problem+json");
  held.clear();
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = server.client().send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status == 200);
}

TEST_CASE("limit flags reject values out of range") {
  TempDir dir;
  for (const char* bad : {"--max-body 5000000", "--max-headers 0", "--read-timeout x",
                          "--max-db-size 12Q", "--max-connections -1"}) {
    const std::string cmd = "'" + ServerProcess::binary() + "' serve --db '" + dir.file("s.db") +
                            "' " + bad + " >/dev/null 2>&1";
    CAPTURE(bad);
    const int status = std::system(cmd.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
  }
}

}  // namespace
}  // namespace starlog::test
