#include "app/args.h"

#include <limits>

#include "domain/text.h"

namespace starlog::app {

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::value_or(const std::string& name, std::string def) const {
  auto v = value(name);
  return v ? *v : def;
}

std::optional<std::string> read_int(const Args& args, const std::string& name, std::int64_t lo,
                                    std::int64_t hi, std::int64_t& out) {
  const auto raw = args.value(name);
  if (!raw) return std::nullopt;
  if (const auto v = domain::parse_int64(*raw, lo, hi)) {
    out = *v;
    return std::nullopt;
  }
  std::string err = "--" + name + " must be an integer ";
  if (hi == std::numeric_limits<std::int64_t>::max())
    err += ">= " + std::to_string(lo);
  else
    err += "from " + std::to_string(lo) + " to " + std::to_string(hi);
  return err;
}

std::optional<std::string> read_positive_number(const Args& args, const std::string& name,
                                                double& out) {
  const auto raw = args.value(name);
  if (!raw) return std::nullopt;
  if (const auto v = domain::parse_number(*raw); v && *v > 0) {
    out = *v;
    return std::nullopt;
  }
  return "--" + name + " must be a positive number";
}

std::optional<std::string> parse_args(int argc, char** argv, int first, const OptionSpec& spec,
                                      Args& out) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-" || a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (spec.flags.count(name)) {
      if (inline_value) return "option --" + name + " takes no value";
      out.flags.insert(name);
    } else if (spec.with_value.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) return "option --" + name + " needs a value";
        inline_value = argv[++i];
      }
      auto& slot = out.values[name];
      if (!slot.empty() && !spec.repeatable.count(name)) return "option --" + name + " given twice";
      slot.push_back(*inline_value);
    } else {
      return "unknown option --" + name;
    }
  }
  return std::nullopt;
}

}  // namespace starlog::app
