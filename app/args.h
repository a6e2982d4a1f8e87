// A small command-line parser: "--name value", "--name=value", boolean
// "--flag", positionals. Each command declares the options it takes, so an
// unknown or misspelled option is an error rather than silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace starlog::app {

struct OptionSpec {
  std::set<std::string> with_value;  // e.g. "db", "listen"
  std::set<std::string> flags;       // e.g. "private", "help"
  std::set<std::string> repeatable;  // subset of with_value
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::string value_or(const std::string& name, std::string def) const;
};

// Typed values, read with domain/text.h's strict rules: nullopt when the
// option is absent or its value is good (then `out` holds it), else the
// error text, naming the flag ("--threads must be an integer from 1 to 256").
std::optional<std::string> read_int(const Args& args, const std::string& name, std::int64_t lo,
                                    std::int64_t hi, std::int64_t& out);
// A number > 0 ("0.5", "600").
std::optional<std::string> read_positive_number(const Args& args, const std::string& name,
                                                double& out);

// Parses argv[first..argc). Returns the error text on failure.
std::optional<std::string> parse_args(int argc, char** argv, int first, const OptionSpec& spec,
                                      Args& out);

}  // namespace starlog::app
