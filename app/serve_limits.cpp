#include "app/serve_limits.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <vector>

#include "domain/event_validation.h"

namespace starlog::app {
namespace {

struct Limit {
  const char* flag;
  const char* unit;  // for --help
  std::int64_t min, max;
  const char* help;
  std::function<std::int64_t(const ServeLimits&)> get;
  std::function<void(ServeLimits&, std::int64_t)> set;
};

const std::vector<Limit>& limits() {
  using std::chrono::seconds;
  static const std::vector<Limit> table = {
      {"max-body", "BYTES", 1024, static_cast<std::int64_t>(domain::kMaxBodyBytes),
       "largest request body (413 beyond)",
       [](const ServeLimits& l) { return static_cast<std::int64_t>(l.server.body_limit); },
       [](ServeLimits& l, std::int64_t v) { l.server.body_limit = static_cast<std::size_t>(v); }},
      {"max-header-bytes", "BYTES", 1024, 1 << 20, "largest request line + header (431 beyond)",
       [](const ServeLimits& l) { return static_cast<std::int64_t>(l.server.header_limit); },
       [](ServeLimits& l, std::int64_t v) { l.server.header_limit = static_cast<std::size_t>(v); }},
      {"max-headers", "N", 8, 10000, "most header fields in one request (431 beyond)",
       [](const ServeLimits& l) { return static_cast<std::int64_t>(l.server.max_header_fields); },
       [](ServeLimits& l, std::int64_t v) {
         l.server.max_header_fields = static_cast<std::size_t>(v);
       }},
      {"max-url", "BYTES", 256, 1 << 20, "longest request target (414 beyond)",
       [](const ServeLimits& l) { return static_cast<std::int64_t>(l.server.max_target_length); },
       [](ServeLimits& l, std::int64_t v) {
         l.server.max_target_length = static_cast<std::size_t>(v);
       }},
      {"max-connections", "N", 1, 100000, "open connections served at once (503 beyond)",
       [](const ServeLimits& l) { return static_cast<std::int64_t>(l.server.max_connections); },
       [](ServeLimits& l, std::int64_t v) {
         l.server.max_connections = static_cast<std::size_t>(v);
       }},
      {"read-timeout", "SECONDS", 1, 3600,
       "to read one request, or to write one response and have the client read it all;"
       " then the connection is closed",
       [](const ServeLimits& l) {
         return static_cast<std::int64_t>(l.server.read_timeout.count());
       },
       [](ServeLimits& l, std::int64_t v) { l.server.read_timeout = seconds(v); }},
      {"idle-timeout", "SECONDS", 1, 3600, "a keep-alive connection may wait for its next request",
       [](const ServeLimits& l) {
         return static_cast<std::int64_t>(l.server.idle_timeout.count());
       },
       [](ServeLimits& l, std::int64_t v) { l.server.idle_timeout = seconds(v); }},
      {"shutdown-timeout", "SECONDS", 0, 3600,
       "on SIGTERM/SIGINT, in-flight requests may finish before connections are cut",
       [](const ServeLimits& l) {
         return static_cast<std::int64_t>(l.server.shutdown_timeout.count());
       },
       [](ServeLimits& l, std::int64_t v) { l.server.shutdown_timeout = seconds(v); }},
      {"max-db-size", "BYTES", 0, INT64_MAX,
       "database quota; appends that would grow it past this are 507 (0: none)",
       [](const ServeLimits& l) { return l.max_db_bytes; },
       [](ServeLimits& l, std::int64_t v) { l.max_db_bytes = v; }},
  };
  return table;
}

// An integer with an optional K/M/G (binary) suffix.
std::optional<std::int64_t> parse_amount(const std::string& text) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || v < 0) return std::nullopt;
  if (ptr == end) return v;
  if (ptr + 1 != end) return std::nullopt;
  int shift = 0;
  switch (*ptr) {
    case 'K':
    case 'k':
      shift = 10;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    default:
      return std::nullopt;
  }
  if (v > (INT64_MAX >> shift)) return std::nullopt;
  return v << shift;
}

}  // namespace

std::set<std::string> serve_limit_flags() {
  std::set<std::string> names{"access-log"};
  for (const Limit& l : limits()) names.insert(l.flag);
  return names;
}

std::optional<std::string> parse_serve_limits(const Args& args, ServeLimits& out) {
  for (const Limit& l : limits()) {
    const auto raw = args.value(l.flag);
    if (!raw) continue;
    const auto v = parse_amount(*raw);
    if (!v || *v < l.min || *v > l.max) {
      std::string err = "--";
      err += l.flag;
      err += " must be an integer from ";
      err += std::to_string(l.min);
      err += " to ";
      err += std::to_string(l.max);
      if (std::string_view(l.unit) == "BYTES") err += " (K, M, G suffixes allowed)";
      return err;
    }
    l.set(out, *v);
  }
  if (auto log = args.value("access-log")) {
    if (log->empty()) return std::string("--access-log must be -, off or a file name");
    out.access_log = *log;
  }
  return std::nullopt;
}

std::string serve_limits_help() {
  const ServeLimits defaults;
  std::string out;
  for (const Limit& l : limits()) {
    std::string left = "  --";
    left += l.flag;
    left += ' ';
    left += l.unit;
    if (left.size() < 31) left.resize(31, ' ');
    out += left;
    out += l.help;
    out += " (default ";
    out += std::to_string(l.get(defaults));
    out += ")\n";
  }
  out += "  --access-log -|off|FILE      one JSON line per request (default -: stdout)\n";
  return out;
}

}  // namespace starlog::app
