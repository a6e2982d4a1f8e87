// The limits of `starlog serve` and their flags: one table, so that the
// option spec, the parser, --help and docs/operations.md cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "api/server.h"
#include "app/args.h"
#include "domain/status.h"

namespace starlog::app {

struct ServeLimits {
  api::ServerOptions server;      // body, header, URL, connection and time limits
  std::int64_t max_db_bytes = 0;  // 0: no quota; else appends past it are 507
  std::string access_log = "-";   // "-" stdout, "off", or a file to append to
};

// The names of the flags below, for OptionSpec::with_value.
std::set<std::string> serve_limit_flags();

// Reads every limit flag present in `args` into `out` (which holds the
// defaults). Returns the error text for a bad value.
std::optional<std::string> parse_serve_limits(const Args& args, ServeLimits& out);

// The --help lines for the limit flags, with their defaults.
std::string serve_limits_help();

}  // namespace starlog::app
