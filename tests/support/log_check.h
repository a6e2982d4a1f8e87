// Helpers for the reliability tests (crash, storage faults, hostile input):
// read the whole log over HTTP and check that it holds together.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/event.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace starlog::test {

// Headers for appends to `server`: a bearer editor token,
// created with `starlog token create` on the server's database the first time
// and reused afterwards. The command runs in the server's namespaces, so a
// server in a private mount namespace (the tmpfs full-disk test) works too;
// the server must be running on the first call.
Headers write_headers(const ServerProcess& server);

// Every event of the log, in order, through GET /v1/events pages. Throws
// std::runtime_error on a non-200 page or an envelope that does not parse.
std::vector<domain::Event> read_log(HttpClient& client);

// "" when positions run 1..n without gaps, each stream's versions run 1..m
// without gaps, and every hash is chain_hash(previous, event) from the
// genesis hash; else a description of the first thing wrong.
std::string log_problem(const std::vector<domain::Event>& log);

// Waits (bounded by `tries` x 50 ms) until GET /readyz answers 200.
bool wait_ready(HttpClient& client, int tries = 200);

}  // namespace starlog::test
