// SseClient: a Server-Sent Events client for end-to-end tests, on one plain
// TCP connection (POSIX sockets, so a test can shrink the receive buffer and
// play a client that stops reading).
//
// The constructor connects, sends `GET target` and reads the response
// header; events are then parsed as the HTML standard's EventSource does
// (id/event/data fields, comments, a blank line dispatches an event with
// data). Every wait is bounded by its timeout. Failures to connect or send
// throw std::runtime_error.
//
// Threads: one thread at a time per client.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/http_client.h"

namespace starlog::test {

struct SseEvent {
  std::string id;    // the `id:` field (the last one seen, as EventSource keeps it)
  std::string type;  // the `event:` field ("message" when absent)
  std::string data;  // the `data:` lines joined by "\n"
};

class SseClient {
 public:
  // receive_buffer > 0 sets SO_RCVBUF before connecting (a small one makes a
  // client that does not read stall the server's writes quickly).
  SseClient(const std::string& host, unsigned short port, std::string_view target,
            const Headers& headers = {}, int receive_buffer = 0,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  // Response header by name (any case), "" when absent.
  std::string header(std::string_view name) const;

  // Reads until at least `count` events have arrived in total, the server
  // closed the stream, or `timeout` passed. Returns every event so far.
  const std::vector<SseEvent>& read_events(std::size_t count, std::chrono::milliseconds timeout);
  // Reads (and keeps) everything until the server closes, at most `timeout`.
  // True when it closed.
  bool wait_closed(std::chrono::milliseconds timeout);
  // Reads until `comments()` grows, at most `timeout`. True when it did.
  bool wait_comment(std::chrono::milliseconds timeout);

  const std::vector<SseEvent>& events() const { return events_; }
  std::size_t comments() const { return comments_; }
  bool closed() const { return closed_; }
  // The body of a non-200 answer (read until the server closes or its
  // Content-Length).
  const std::string& body() const { return raw_; }

 private:
  // One recv() within the deadline; false on timeout. Sets closed_ on EOF.
  bool read_some(std::chrono::steady_clock::time_point deadline);
  void parse();

  int fd_ = -1;
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string raw_;  // unparsed bytes
  bool closed_ = false;
  std::size_t comments_ = 0;
  std::vector<SseEvent> events_;
  SseEvent pending_;
  bool pending_has_data_ = false;
  std::string last_id_;
};

}  // namespace starlog::test
