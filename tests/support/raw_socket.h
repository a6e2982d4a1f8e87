// A blocking loopback TCP socket for tests that misbehave on purpose: send
// part of a request, dawdle, or watch for the server closing the connection.
// Every wait is bounded. Not thread-safe; one thread per socket.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace starlog::test {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  // `receive_buffer` > 0 sets SO_RCVBUF before connecting (a small window,
  // as a slow reader advertises).
  explicit RawSocket(unsigned short port, int receive_buffer = 0);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Writes all of `bytes`; false if the connection is gone.
  bool send(std::string_view bytes);
  // Reads whatever arrives within `limit`, stopping early at EOF/reset
  // (then closed() is true).
  std::string read_for(std::chrono::milliseconds limit);
  // Reads at most `max_bytes`, waiting up to `limit` for them.
  std::string read_at_most(std::size_t max_bytes, std::chrono::milliseconds limit);
  // True once the server closed (EOF or reset seen by read_for).
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

}  // namespace starlog::test
