// The web app (GET /, the pages and /app/...): static files loaded once from
// a directory the build fills (build/web beside the binary: web/src plus the
// TimelineJS files from npm, see web/README.md), served from memory.
//
//   GET /                               the app's shell (index.html)
//   GET /celebrities/{id}               the same shell: the app routes in the
//   GET /celebrities/{id}/timelinejs    browser, so every page's address can
//   GET /facts/{fact_id}                be bookmarked and reloaded
//   GET /findings, /audit, /sign-in
//   GET /app/<path>                     every file under the directory, by its
//                                       relative path (one literal route each)
//
// Every answer has a strong ETag (SHA-256 of the bytes; If-None-Match -> 304)
// and `Cache-Control: no-cache`; the shell carries a Content-Security-Policy
// that keeps the page on this origin (no CDN, no outside font or script).
// Text files are compressed by the frontend layer like any other answer.
//
// When the directory is missing or holds no index.html, the shell's routes
// answer 404 problem+json saying so; the API is unaffected.
//
// Threads: load() and add_routes() during set-up; the routes are const
// afterwards and safe from any number of threads.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "api/router.h"
#include "domain/status.h"

namespace starlog::api {

class WebApp {
 public:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
  };

  // Reads every regular file under `root` (recursively). A missing `root`
  // gives an empty app (installed() is false); an unreadable file is an
  // io_error naming it.
  static Result<WebApp> load(const std::filesystem::path& root);

  // True when the directory held an index.html.
  bool installed() const { return files_.count("index.html") > 0; }
  const std::filesystem::path& root() const { return root_; }
  // Relative paths ("main.js", "timelinejs/js/timeline.js"), sorted.
  std::vector<std::string> paths() const;

  // The media type served for a file name (by its extension;
  // application/octet-stream when unknown).
  static std::string content_type_of(std::string_view name);

  // Registers the routes above. REQUIRES: *this outlives `router`.
  void add_routes(Router& router) const;

  // The app's page addresses (patterns), each answered with the shell.
  static const std::vector<std::string>& page_patterns();

 private:
  Response serve(const Request& req, const File& file, bool shell) const;
  Response not_installed(const Request& req) const;

  std::filesystem::path root_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace starlog::api
