#include "api/access_log.h"

#include <cmath>
#include <ctime>

#include "domain/json.h"

namespace starlog::api {
namespace {

std::string rfc3339_millis(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

std::string access_log_line(const Exchange& ex, std::string_view route,
                            std::chrono::system_clock::time_point now) {
  const std::string_view path = ex.target.substr(0, ex.target.find('?'));
  const double ms = std::chrono::duration<double, std::milli>(ex.duration).count();
  Json line = {{"ts", rfc3339_millis(now)},
               {"request_id", ex.request_id},
               {"remote", ex.remote},
               {"method", ex.method},
               {"path", path},
               {"route", route},
               {"status", ex.status},
               {"duration_ms", std::round(ms * 1000) / 1000},
               {"bytes_in", ex.bytes_in},
               {"bytes_out", ex.bytes_out}};
  if (ex.streamed) line["streamed"] = true;
  // A path is client bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
  return to_wire(line);
}

void AccessLog::write(const Exchange& ex, std::string_view route) {
  std::string line = access_log_line(ex, route, std::chrono::system_clock::now());
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace starlog::api
