// The commands of README.md#command-line. Each takes argv after the command name and
// returns the process exit code; errors go to stderr.
#pragma once

#include <iosfwd>
#include <string>

#include "app/runtime.h"

namespace starlog::app {

int serve_command(int argc, char** argv);
int import_command(int argc, char** argv);
int export_command(int argc, char** argv);
int token_command(int argc, char** argv);
int verify_command(int argc, char** argv);
int replay_command(int argc, char** argv);

struct ImportSummary {
  std::int64_t lines = 0;
  std::int64_t appended = 0;  // events newly stored
  std::int64_t skipped = 0;   // already stored with the same content
  std::int64_t rejected = 0;  // lines that failed; each reported on stderr
};

// Imports NDJSON (one event per line with a "stream" field) from `in`,
// appending consecutive lines of one stream as one batch; `restore` takes
// full envelopes (starlog export) and keeps their recorded fields.
// `total_lines` (0 if unknown) sizes the progress bar.
ImportSummary import_ndjson(Runtime& rt, std::istream& in, const std::string& source_name,
                            bool restore, std::int64_t total_lines, const std::string& recorded_by);

inline const char* kDefaultDb = "./data/starlog.db";

}  // namespace starlog::app
