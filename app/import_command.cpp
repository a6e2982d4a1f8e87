#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "app/args.h"
#include "app/commands.h"
#include "domain/event_validation.h"
#include "domain/text.h"
#include "projections/follower.h"

namespace starlog::app {
namespace {

void report(const std::string& source, std::int64_t line, const Status& s) {
  std::string detail = s.message();
  for (const auto& e : s.errors())
    detail += "; " + (e.pointer.empty() ? "/" : e.pointer) + ": " + e.message;
  std::fprintf(stderr, "%s:%lld: %s\n", source.c_str(), static_cast<long long>(line),
               detail.c_str());
}

class Importer {
 public:
  // `folder` (may be null) is woken after every flush.
  Importer(Runtime& rt, std::string source, std::string recorded_by, projections::Follower* folder)
      : rt_(rt),
        source_(std::move(source)),
        recorded_by_(std::move(recorded_by)),
        folder_(folder) {}

  void add(std::int64_t number, const std::string& stream, domain::NewEvent e) {
    numbers_.push_back(number);
    requests_.push_back({stream, store::Expected::any(), {std::move(e)}, false, recorded_by_});
    // Lines appended together: one group commit (one transaction, one
    // fsync) per batch, each line still its own request with its own verdict.
    if (requests_.size() >= rt_.backend.max_group) flush();
  }

  // Appends the pending lines in file order (EventStore::append_all), each
  // as a request of its own, so each line gets its own verdict.
  void flush() {
    if (requests_.empty()) return;
    auto results = rt_.log->append_all(requests_);
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].ok()) {
        ++(results[i]->created ? summary.appended : summary.skipped);
      } else {
        ++summary.rejected;
        report(source_, numbers_[i], results[i].status());
      }
    }
    requests_.clear();
    numbers_.clear();
    if (folder_) folder_->wake();
  }

  ImportSummary summary;

 private:
  Runtime& rt_;
  std::string source_;
  std::string recorded_by_;
  std::vector<store::AppendRequest> requests_;
  std::vector<std::int64_t> numbers_;
  projections::Follower* folder_;
};

std::int64_t count_lines(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::int64_t n = 0;
  std::string line;
  while (std::getline(f, line)) ++n;
  return n;
}

}  // namespace

ImportSummary import_ndjson(Runtime& rt, std::istream& in, const std::string& source_name,
                            bool restore, std::int64_t total_lines,
                            const std::string& recorded_by) {
  // The projection is folded on a second thread while lines are appended
  // (in bulk batches, into the read-model file: the log's writer and its
  // fsyncs are not shared), so an import's fold is mostly done when its
  // last line is.
  // A shared store's read models live in each node's memory: nothing to
  // fold here.
  std::optional<projections::Follower> folder;
  if (!restore && !rt.backend.shared) {
    // A failed fold is retried; the catch-up after the import reports it.
    folder.emplace(
        *rt.timeline, *rt.log, [](const Status&) {}, projections::Projector::kBulk);
  }
  Importer importer(rt, source_name, recorded_by, folder ? &*folder : nullptr);
  std::vector<domain::Event> envelopes;
  ImportSummary restore_summary;
  Progress progress(restore ? "restoring" : "importing");
  std::string line;
  std::int64_t number = 0;
  std::vector<std::int64_t> envelope_lines;  // the line of each of `envelopes`
  auto flush_restore = [&]() {
    if (envelopes.empty()) return;
    const auto before = rt.log->head();
    Status s = rt.log->restore(envelopes);
    if (!s) {
      restore_summary.rejected += 1;
      if (s.code() != Code::invalid || s.errors().empty()) {
        // The message names the position; a line number would only mislead.
        std::fprintf(stderr, "%s: %s; nothing was restored\n", source_name.c_str(),
                     s.message().c_str());
        return;
      }
      // A rule broken: each error's pointer starts with the event's index.
      for (const FieldError& f : s.errors()) {
        const auto slash = f.pointer.find('/', 1);
        const auto index = static_cast<std::size_t>(
            domain::parse_int64(f.pointer.substr(1, slash - 1)).value_or(0));
        const std::string rest = slash == std::string::npos ? "" : f.pointer.substr(slash);
        report(source_name, envelope_lines.at(index),
               Status::invalid(s.message(), {{rest, f.message}}));
      }
      std::fprintf(stderr, "%s: nothing was restored\n", source_name.c_str());
      return;
    }
    const auto added = rt.log->head() - before;
    restore_summary.appended += added;
    restore_summary.skipped += static_cast<std::int64_t>(envelopes.size()) - added;
  };
  while (std::getline(in, line)) {
    ++number;
    progress.update(number, total_lines);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      report(source_name, number, Status::malformed("line is not a JSON object"));
      ++(restore ? restore_summary.rejected : importer.summary.rejected);
      continue;
    }
    if (restore) {
      // Every line is read and checked, so that every bad one is named;
      // all or nothing: a restore that stops halfway would leave a store
      // that is a prefix of the file, which nobody asked for.
      auto e = domain::event_from_json(j);
      Status checked = e.ok() ? domain::validate_stored_event(*e) : e.status();
      if (!checked) {
        report(source_name, number, checked);
        ++restore_summary.rejected;
        continue;
      }
      envelopes.push_back(std::move(*e));
      envelope_lines.push_back(number);
      continue;
    }
    auto stream = j.find("stream");
    if (stream == j.end() || !stream->is_string() ||
        !domain::is_valid_slug(stream->get<std::string>())) {
      report(source_name, number,
             Status::invalid("line needs a \"stream\" field holding a celebrity id"));
      ++importer.summary.rejected;
      continue;
    }
    const std::string s = stream->get<std::string>();
    j.erase("stream");
    auto e = domain::validate_new_event(j, "");
    if (!e.ok()) {
      report(source_name, number, e.status());
      ++importer.summary.rejected;
      continue;
    }
    importer.add(number, s, std::move(*e));
  }
  if (restore) {
    if (restore_summary.rejected == 0) {
      flush_restore();
    } else {
      std::fprintf(stderr, "%s: nothing was restored\n", source_name.c_str());
    }
  } else {
    importer.flush();
  }
  progress.finish();
  ImportSummary out = restore ? restore_summary : importer.summary;
  out.lines = number;
  return out;
}

int import_command(int argc, char** argv) {
  Args args;
  OptionSpec spec{{"db", "as"}, {"restore", "help"}, {}};
  if (auto err = parse_args(argc, argv, 0, spec, args)) {
    std::fprintf(stderr, "starlog import: %s (see --help)\n", err->c_str());
    return 2;
  }
  if (args.has("help")) {
    std::printf(
        "usage: starlog import FILE|- [--db FILE|URI] [--restore] [--as NAME]\n\n"
        "Appends NDJSON events, one per line, each with a \"stream\" field (the\n"
        "celebrity id). Idempotent by event id: lines already stored are skipped.\n"
        "  --db FILE|URI  the store: a SQLite file (default %s) or a\n"
        "                postgresql:// URI\n"
        "  --restore   lines are full envelopes from `starlog export`; keeps their\n"
        "              recorded fields; checks each like an append (content, type,\n"
        "              the append rules) and its place in the hash chain; restores\n"
        "              all of them in one transaction or, naming every bad line (a\n"
        "              broken chain by its position), none\n"
        "  --as NAME   recorded_by of imported events (default \"import\")\n",
        kDefaultDb);
    return 0;
  }
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "starlog import: give exactly one FILE, or - for standard input\n");
    return 2;
  }
  auto rt = Runtime::open(args.value_or("db", kDefaultDb));
  if (!rt.ok()) {
    std::fprintf(stderr, "starlog import: %s\n", rt.status().message().c_str());
    return 1;
  }
  const std::string& path = args.positional[0];
  ImportSummary summary;
  if (path == "-") {
    summary = import_ndjson(**rt, std::cin, "<stdin>", args.has("restore"), 0,
                            args.value_or("as", "import"));
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "starlog import: cannot read %s\n", path.c_str());
      return 1;
    }
    summary = import_ndjson(**rt, f, path, args.has("restore"), count_lines(path),
                            args.value_or("as", "import"));
  }
  if (Status s = (*rt)->backend.shared ? Status::ok() : (*rt)->catch_up(); !s) {
    std::fprintf(stderr, "starlog import: projection: %s\n", s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%lld lines: %lld events appended, %lld already stored, %lld rejected\n",
               static_cast<long long>(summary.lines), static_cast<long long>(summary.appended),
               static_cast<long long>(summary.skipped), static_cast<long long>(summary.rejected));
  return summary.rejected == 0 ? 0 : 1;
}

}  // namespace starlog::app
