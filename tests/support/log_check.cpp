#include "tests/support/log_check.h"

#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "domain/hash_chain.h"
#include "tests/support/cli.h"

namespace starlog::test {

Headers write_headers(const ServerProcess& server) {
  static std::mutex mu;
  static std::map<std::string, std::string> secrets;  // by database path
  std::lock_guard lock(mu);
  auto it = secrets.find(server.db_path());
  if (it == secrets.end()) {
    it = secrets
             .emplace(server.db_path(),
                      create_token(server.db_path(), "reliability", "editor", server.pid()))
             .first;
  }
  return bearer(it->second);
}

std::vector<domain::Event> read_log(HttpClient& client) {
  std::vector<domain::Event> out;
  std::int64_t after = 0;
  for (int page = 0; page < 100000; ++page) {
    const HttpResult r = client.get("/v1/events?limit=1000&after=" + std::to_string(after));
    if (r.status != 200) {
      std::ostringstream msg;
      msg << "GET /v1/events answered " << r.status << ": " << r.body;
      throw std::runtime_error(msg.str());
    }
    const Json doc = r.json();
    for (const Json& j : doc.at("events")) {
      auto e = domain::event_from_json(j);
      if (!e.ok()) throw std::runtime_error("bad envelope: " + e.status().message());
      out.push_back(std::move(*e));
    }
    const std::int64_t next = doc.at("next_after").get<std::int64_t>();
    if (next <= after || next >= doc.at("head").get<std::int64_t>()) break;
    after = next;
  }
  return out;
}

std::string log_problem(const std::vector<domain::Event>& log) {
  std::string previous = domain::genesis_hash();
  std::map<std::string, std::int64_t> versions;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const domain::Event& e = log[i];
    const auto expected_position = static_cast<std::int64_t>(i + 1);
    std::ostringstream msg;
    if (e.position != expected_position) {
      msg << "position " << e.position << " where " << expected_position << " was due";
      return msg.str();
    }
    const std::int64_t version = ++versions[e.stream];
    if (e.version != version) {
      msg << "stream " << e.stream << " has version " << e.version << " where " << version
          << " was due";
      return msg.str();
    }
    if (domain::chain_hash(previous, e) != e.hash) {
      msg << "the chain breaks at position " << e.position;
      return msg.str();
    }
    previous = e.hash;
  }
  return "";
}

bool wait_ready(HttpClient& client, int tries) {
  for (int i = 0; i < tries; ++i) {
    if (client.get("/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace starlog::test
