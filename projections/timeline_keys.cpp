#include "projections/timeline_keys.h"

#include <cstdio>

namespace starlog::projections::keys {
namespace {

// Milliseconds from 0001-01-01T00:00:00Z to the Unix epoch.
constexpr std::int64_t kBiasMs = 62135596800000LL;
constexpr std::size_t kSortLength = 16 + 1 + 16;

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
  }
  return out;
}

std::optional<std::string> unb64url(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

bool is_sort_part(std::string_view s) {
  if (s.size() != kSortLength) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string profile(std::string_view celebrity) {
  return std::string(kProfilePrefix) + std::string(celebrity);
}
std::string fact(std::string_view fact_id) { return "f/" + std::string(fact_id); }
std::string timeline_prefix(std::string_view celebrity) {
  return "t/" + std::string(celebrity) + "/";
}

std::string sort_part(domain::Millis start, domain::Precision precision, std::int64_t position) {
  const auto ms = static_cast<std::uint64_t>(start.time_since_epoch().count() + kBiasMs);
  return hex16(ms) + static_cast<char>('0' + static_cast<int>(precision)) +
         hex16(static_cast<std::uint64_t>(position));
}

std::string timeline(std::string_view celebrity, std::string_view sort) {
  return timeline_prefix(celebrity) + std::string(sort);
}

std::string revision(std::string_view celebrity) {
  std::string key = "r/";
  key += celebrity;
  return key;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  end.push_back('\xff');
  return end;
}

std::string encode_cursor(std::string_view sort, bool descending) {
  // Built by appending: GCC 12 reports a false -Wrestrict on operator+ here.
  std::string raw(1, descending ? 'd' : 'a');
  raw += sort;
  return b64url(raw);
}

std::optional<Cursor> decode_cursor(std::string_view cursor) {
  auto raw = unb64url(cursor);
  if (!raw || raw->empty() || ((*raw)[0] != 'a' && (*raw)[0] != 'd')) return std::nullopt;
  Cursor c{raw->substr(1), (*raw)[0] == 'd'};
  if (!is_sort_part(c.sort)) return std::nullopt;
  return c;
}

std::string encode_opaque(std::string_view raw) {
  std::string tagged(1, 'o');
  tagged += raw;
  return b64url(tagged);
}

std::optional<std::string> decode_opaque(std::string_view cursor) {
  auto raw = unb64url(cursor);
  if (!raw || raw->empty() || (*raw)[0] != 'o') return std::nullopt;
  return raw->substr(1);
}

std::string finding(std::string_view celebrity, std::string_view finding_id) {
  return finding_prefix(celebrity) + std::string(finding_id);
}
std::string finding_prefix(std::string_view celebrity) {
  return std::string(kFindingPrefix) + std::string(celebrity) + "/";
}
std::string finding_by_kind(std::string_view kind, std::string_view celebrity,
                            std::string_view finding_id) {
  return finding_kind_prefix(kind) + std::string(celebrity) + "/" + std::string(finding_id);
}
std::string finding_kind_prefix(std::string_view kind) { return "gk/" + std::string(kind) + "/"; }
std::string finding_position(std::string_view finding_id) {
  return std::string(kFindingPositionPrefix) + std::string(finding_id);
}
std::string dismissal(std::string_view finding_id) { return "gd/" + std::string(finding_id); }
std::string fact_findings(std::string_view fact_id) { return "gf/" + std::string(fact_id); }
std::string finding_group(std::string_view group) { return "gg/" + std::string(group); }
std::string stated_age(std::string_view celebrity, std::string_view fact_id) {
  return stated_age_prefix(celebrity) + std::string(fact_id);
}
std::string stated_age_prefix(std::string_view celebrity) {
  return "ga/" + std::string(celebrity) + "/";
}

}  // namespace starlog::projections::keys
