#include "domain/uuid.h"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace starlog::domain {
namespace {

// RFC 9562 §5.7 layout, most significant bit first:
//   unix_ts_ms (48) | ver = 0111 (4) | rand_a (12) | var = 10 (2) | rand_b (62)
//
// Monotonicity (RFC 9562 §6.2, method 2 "monotonic random"): within one
// process, ids are strictly increasing. rand_a:rand_b is treated as one 74-bit
// number; a new id in the same (or an earlier, if the wall clock stepped back)
// millisecond reuses the last timestamp and adds a random increment of 1..2^32
// to the random bits, so ids stay unguessable yet ordered. When those bits
// would overflow, the timestamp moves on by one millisecond. A fresh
// millisecond draws all 74 bits anew, with the top bit of rand_a cleared so
// that about 2^73 ids fit in it before the overflow path is ever needed.
constexpr std::uint64_t kRandBMask = (std::uint64_t{1} << 62) - 1;
constexpr std::uint16_t kRandAMask = 0x0fff;

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) == 1) return;
  // RAND_bytes fails only when OpenSSL cannot seed itself, which a running
  // Debian system does not do; the OS generator is the fallback rather than
  // an exception out of an id maker.
  std::random_device rd;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(rd());
}

struct State {
  std::mutex mu;
  std::uint64_t last_ms = 0;
  std::uint16_t rand_a = 0;  // 12 bits
  std::uint64_t rand_b = 0;  // 62 bits
};

State& state() {
  static State s;
  return s;
}

std::uint64_t load_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void fresh_random(State& s) {
  std::array<unsigned char, 10> r{};
  random_bytes(r.data(), r.size());
  s.rand_a = static_cast<std::uint16_t>(load_be(r.data(), 2) & 0x07ff);  // top bit cleared
  s.rand_b = load_be(r.data() + 2, 8) & kRandBMask;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string format(const std::array<unsigned char, 16>& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string make_uuid_v7() {
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::int64_t now_count = now.time_since_epoch().count();
  const std::uint64_t now_ms = now_count < 0 ? 0 : static_cast<std::uint64_t>(now_count);

  std::uint64_t ms = 0;
  std::uint16_t rand_a = 0;
  std::uint64_t rand_b = 0;
  {
    State& s = state();
    std::lock_guard lock(s.mu);
    if (now_ms > s.last_ms) {
      s.last_ms = now_ms;
      fresh_random(s);
    } else {
      std::array<unsigned char, 4> r{};
      random_bytes(r.data(), r.size());
      const std::uint64_t step = load_be(r.data(), 4) + 1;  // 1 .. 2^32
      const std::uint64_t room = kRandBMask - s.rand_b;
      if (step <= room) {
        s.rand_b += step;
      } else if (s.rand_a < kRandAMask) {
        s.rand_b = step - room - 1;
        ++s.rand_a;
      } else {
        ++s.last_ms;  // borrow the next millisecond rather than repeat an id
        fresh_random(s);
      }
    }
    ms = s.last_ms & 0xffffffffffffULL;
    rand_a = s.rand_a;
    rand_b = s.rand_b;
  }

  std::array<unsigned char, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | ((rand_a >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(rand_a & 0xff);
  b[8] = static_cast<unsigned char>(0x80 | ((rand_b >> 56) & 0x3f));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<unsigned char>(rand_b >> (8 * (15 - i)));
  return format(b);
}

std::optional<std::string> normalize_uuid(std::string_view text) {
  // Only the 8-4-4-4-12 hex form: no braces, no "urn:uuid:", no bare 32
  // digits, so that one UUID has one spelling once lower-cased.
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (out[i] != '-') return std::nullopt;
      continue;
    }
    const int d = hex_digit(out[i]);
    if (d < 0) return std::nullopt;
    out[i] = "0123456789abcdef"[d];
  }
  return out;
}

}  // namespace starlog::domain
