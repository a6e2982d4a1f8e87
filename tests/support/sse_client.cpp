#include "tests/support/sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace starlog::test {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

SseClient::SseClient(const std::string& host, unsigned short port, std::string_view target,
                     const Headers& headers, int receive_buffer,
                     std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("SseClient: socket: " + std::string(std::strerror(errno)));
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd_);
    throw std::runtime_error("SseClient: not an IPv4 address: " + host);
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("SseClient: connect: " + why);
  }
  std::string request = "GET ";
  request += target;
  request += " HTTP/1.1\r\nHost: ";
  request += host;
  request += "\r\nAccept: text/event-stream\r\nUser-Agent: starlog-test-sse\r\n";
  for (const auto& [name, value] : headers) {
    request += name;
    request += ": ";
    request += value;
    request += "\r\n";
  }
  request += "\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd_);
      throw std::runtime_error("SseClient: send failed");
    }
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end = std::string::npos;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (closed_ || !read_some(deadline)) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("SseClient: no response header for " + std::string(target));
    }
  }
  const std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12)
    throw std::runtime_error("SseClient: bad status line: " + status_line);
  status_ = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers_.emplace_back(lower(line.substr(0, colon)), value);
  }
  if (status_ != 200) {
    // Not a stream: keep the body for the test to look at.
    const std::string length = header("content-length");
    const std::size_t want = length.empty() ? std::string::npos : std::stoul(length);
    while (raw_.size() < want && !closed_ && read_some(deadline)) {
    }
    return;
  }
  parse();
}

SseClient::~SseClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SseClient::header(std::string_view name) const {
  const std::string want = lower(name);
  for (const auto& [n, v] : headers_) {
    if (n == want) return v;
  }
  return "";
}

bool SseClient::read_some(std::chrono::steady_clock::time_point deadline) {
  if (closed_ || fd_ < 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
  if (ready <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    closed_ = true;
    return true;
  }
  raw_.append(buf, static_cast<std::size_t>(n));
  return true;
}

void SseClient::parse() {
  if (status_ != 200) return;
  std::size_t nl;
  while ((nl = raw_.find('\n')) != std::string::npos) {
    std::string line = raw_.substr(0, nl);
    raw_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (pending_has_data_) {
        pending_.id = last_id_;
        if (pending_.type.empty()) pending_.type = "message";
        events_.push_back(std::move(pending_));
      }
      pending_ = {};
      pending_has_data_ = false;
      continue;
    }
    if (line.front() == ':') {
      ++comments_;
      continue;
    }
    const auto colon = line.find(':');
    const std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "data") {
      if (pending_has_data_) pending_.data += '\n';
      pending_.data += value;
      pending_has_data_ = true;
    } else if (field == "event") {
      pending_.type = value;
    } else if (field == "id") {
      last_id_ = value;
    }
  }
}

const std::vector<SseEvent>& SseClient::read_events(std::size_t count,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events_.size() < count && !closed_ && read_some(deadline)) parse();
  parse();
  return events_;
}

bool SseClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && read_some(deadline)) parse();
  parse();
  return closed_;
}

bool SseClient::wait_comment(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::size_t before = comments_;
  while (comments_ == before && !closed_ && read_some(deadline)) parse();
  return comments_ > before;
}

}  // namespace starlog::test
