#include "api/web_app.h"

#include <fstream>
#include <sstream>

#include "api/caching.h"
#include "api/problem.h"
#include "domain/hash_chain.h"

namespace starlog::api {

namespace {

// The shell may load only what this origin serves; TimelineJS sets inline
// styles on its elements, hence 'unsafe-inline' for styles (never scripts).
constexpr std::string_view kShellPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace

std::string WebApp::content_type_of(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".eot", "application/vnd.ms-fontobject"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes)
    if (name.ends_with(ext)) return std::string(type);
  return "application/octet-stream";
}

Result<WebApp> WebApp::load(const std::filesystem::path& root) {
  WebApp app;
  app.root_ = root;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return app;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = it->path().lexically_relative(root).generic_string();
    // Hidden files (the build's stamp) are not part of the app.
    if (rel.empty() || rel.front() == '.' || rel.find("/.") != std::string::npos) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof())
      return Status::io_error("cannot read the web app's file " + it->path().string());
    File f{content_type_of(rel), body.str(), {}};
    f.etag = "\"app-" + domain::sha256_hex(f.body).substr(0, 20) + "\"";
    app.files_.emplace(rel, std::move(f));
  }
  if (ec)
    return Status::io_error("cannot list the web app's directory " + root.string() + ": " +
                            ec.message());
  return app;
}

std::vector<std::string> WebApp::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, file] : files_) out.push_back(path);
  return out;
}

const std::vector<std::string>& WebApp::page_patterns() {
  static const std::vector<std::string> kPages = {"/",
                                                  "/celebrities/{id}",
                                                  "/celebrities/{id}/timelinejs",
                                                  "/facts/{fact_id}",
                                                  "/findings",
                                                  "/audit",
                                                  "/sign-in"};
  return kPages;
}

Response WebApp::serve(const Request& req, const File& file, bool shell) const {
  if (if_none_match_hits(req, file.etag)) return not_modified(req, file.etag);
  Response res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::content_type, file.content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (shell) {
    res.set("Content-Security-Policy", kShellPolicy);
    res.set("Referrer-Policy", "no-referrer");
  }
  res.body() = file.body;
  res.prepare_payload();
  set_validator(res, file.etag);
  return res;
}

Response WebApp::not_installed(const Request& req) const {
  return problem_from_status(
      Status::not_found("the web app's files are not installed: this server looked for them in " +
                        root_.string() +
                        " (build them with `make`, or point --web-root at a built copy); the API "
                        "under /v1/ works without them"),
      req);
}

void WebApp::add_routes(Router& router) const {
  for (const std::string& pattern : page_patterns())
    router.add(http::verb::get, pattern, domain::Permission::none,
               [this](const Request& req, const RouteParams&) {
                 const auto it = files_.find(std::string_view("index.html"));
                 if (it == files_.end()) return not_installed(req);
                 return serve(req, it->second, true);
               });
  for (const auto& [path, file] : files_)
    router.add(
        http::verb::get, "/app/" + path, domain::Permission::none,
        [this, &file](const Request& req, const RouteParams&) { return serve(req, file, false); });
}

}  // namespace starlog::api
