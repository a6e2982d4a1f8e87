#include "api/compression.h"

#include <zlib.h>

#include <cctype>

#include "domain/text.h"

namespace starlog::api {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The q-value of one "coding;q=0.5" item (1 when absent, 0 when unreadable).
double qvalue(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    std::string_view p = domain::trim_blanks(params.substr(0, semi));
    if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      p.remove_prefix(2);
      const auto q = domain::parse_number(p);
      return q && *q >= 0 && *q <= 1 ? *q : 0;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return 1;
}

bool compressible_type(std::string_view content_type) {
  const std::string_view media =
      domain::trim_blanks(content_type.substr(0, content_type.find(';')));
  return media.starts_with("text/") || media.ends_with("/json") || media.ends_with("+json") ||
         media == "application/javascript" || media == "image/svg+xml";
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q, star_q;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    std::string_view item = domain::trim_blanks(accept_encoding.substr(0, comma));
    const auto semi = item.find(';');
    const std::string_view coding = domain::trim_blanks(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : qvalue(item.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      gzip_q = q;
    else if (coding == "*")
      star_q = q;
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  if (gzip_q) return *gzip_q > 0;
  return star_q && *star_q > 0;
}

std::optional<std::string> gzip(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper with a zeroed header (no name, no
  // mtime), so equal input gives equal output.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

std::optional<std::string> gunzip(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

void compress_if_accepted(const Request& req, Response& res) {
  const auto status = res.result_int();
  // A 304 stands for a 200 that would have said Vary (RFC 9110 §15.4.5).
  if (status == 304) add_vary(res, "Accept-Encoding");
  if (status < 200 || status == 204 || status == 304) return;
  if (!compressible_type(res[http::field::content_type])) return;
  add_vary(res, "Accept-Encoding");
  if (res.find(http::field::content_encoding) != res.end()) return;
  if (res.body().size() <= kMinCompressBytes) return;
  if (!accepts_gzip(req[http::field::accept_encoding])) return;
  auto packed = gzip(res.body());
  if (!packed || packed->size() >= res.body().size()) return;
  res.body() = std::move(*packed);
  res.set(http::field::content_encoding, "gzip");
  res.prepare_payload();
}

}  // namespace starlog::api
