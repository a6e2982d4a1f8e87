// starlog token create|list|revoke (README.md#command-line): API tokens.
//
// `create` prints the new secret on stdout and nothing else there, so that
// `TOKEN=$(starlog token create ...)` works; everything for people goes to
// stderr. The secret exists only in that output: the store keeps its SHA-256.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "app/args.h"
#include "app/commands.h"
#include "domain/access.h"
#include "domain/event_validation.h"
#include "domain/occurred.h"

namespace starlog::app {
namespace {

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: starlog token create --name NAME --role ROLE [--db FILE|URI]\n"
               "       starlog token list [--db FILE|URI]\n"
               "       starlog token revoke NAME [--db FILE|URI]\n\n"
               "API tokens for `Authorization: Bearer <secret>`.\n"
               "  create   makes a token and prints its secret once, on stdout; only its\n"
               "           SHA-256 is stored. NAME is a slug (e.g. alice) and becomes\n"
               "           recorded_by of what the token appends; names are never reused.\n"
               "           ROLE: reader (reads), editor (reads, appends), auditor (reads,\n"
               "           audit, as_of), admin (everything).\n"
               "  list     name, role, created_at and revoked_at of every token (no secrets)\n"
               "  revoke   refuses the token from the next request on, also in a running\n"
               "           server; the token stays listed\n"
               "  --db FILE|URI  the store: a SQLite file (default %s) or a\n"
               "                postgresql:// URI\n",
               kDefaultDb);
}

std::unique_ptr<Runtime> open_runtime(const Args& args) {
  const std::string db = args.value_or("db", kDefaultDb);
  auto rt = Runtime::open(db);
  if (!rt.ok()) {
    std::fprintf(stderr, "starlog token: cannot open %s: %s\n", db.c_str(),
                 rt.status().message().c_str());
    return nullptr;
  }
  return std::move(*rt);
}

int create(const Args& args) {
  const auto name = args.value("name");
  const auto role_text = args.value("role");
  if (!name || !role_text || !args.positional.empty()) {
    std::fprintf(stderr, "starlog token create: give --name NAME and --role ROLE (see --help)\n");
    return 2;
  }
  if (!domain::is_valid_slug(*name)) {
    std::fprintf(stderr,
                 "starlog token create: the name '%s' is not a slug (lower-case letters, digits "
                 "and inner hyphens, at most 64 characters)\n",
                 name->c_str());
    return 2;
  }
  const auto role = domain::parse_role(*role_text);
  if (!role) {
    std::fprintf(stderr,
                 "starlog token create: unknown role '%s' (reader, editor, auditor or admin)\n",
                 role_text->c_str());
    return 2;
  }
  auto rt = open_runtime(args);
  if (!rt) return 1;
  auto secret = domain::generate_secret();
  if (!secret.ok()) {
    std::fprintf(stderr, "starlog token create: %s\n", secret.status().message().c_str());
    return 1;
  }
  if (Status s = rt->tokens->create(*name, *role, domain::secret_hash(*secret)); !s) {
    std::fprintf(stderr, "starlog token create: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s\n", secret->c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "created token '%s' (%s). Its secret is printed above and cannot be shown again;\n"
               "send it as: Authorization: Bearer <secret>\n",
               name->c_str(), std::string(domain::to_string(*role)).c_str());
  return 0;
}

int list(const Args& args) {
  if (!args.positional.empty()) {
    std::fprintf(stderr, "starlog token list: unexpected argument %s\n",
                 args.positional[0].c_str());
    return 2;
  }
  auto rt = open_runtime(args);
  if (!rt) return 1;
  auto tokens = rt->tokens->list();
  if (!tokens.ok()) {
    std::fprintf(stderr, "starlog token list: %s\n", tokens.status().message().c_str());
    return 1;
  }
  std::size_t width = 4;
  for (const auto& t : *tokens) width = std::max(width, t.name.size());
  const int w = static_cast<int>(width);
  std::printf("%-*s  %-7s  %-24s  %s\n", w, "NAME", "ROLE", "CREATED_AT", "REVOKED_AT");
  for (const auto& t : *tokens) {
    const std::string revoked = t.revoked_at ? domain::format_instant_ms(*t.revoked_at) : "-";
    std::printf("%-*s  %-7s  %-24s  %s\n", w, t.name.c_str(),
                std::string(domain::to_string(t.role)).c_str(),
                domain::format_instant_ms(t.created_at).c_str(), revoked.c_str());
  }
  return 0;
}

int revoke(const Args& args) {
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "starlog token revoke: give exactly one token NAME (see --help)\n");
    return 2;
  }
  const std::string& name = args.positional[0];
  auto rt = open_runtime(args);
  if (!rt) return 1;
  if (Status s = rt->tokens->revoke(name); !s) {
    std::fprintf(stderr, "starlog token revoke: %s\n", s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "revoked token '%s'\n", name.c_str());
  return 0;
}

}  // namespace

int token_command(int argc, char** argv) {
  if (argc < 1) {
    usage(stderr);
    return 2;
  }
  const std::string sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    usage(stdout);
    return 0;
  }
  OptionSpec spec;
  if (sub == "create") {
    spec = OptionSpec{{"db", "name", "role"}, {"help"}, {}};
  } else if (sub == "list" || sub == "revoke") {
    spec = OptionSpec{{"db"}, {"help"}, {}};
  } else {
    std::fprintf(stderr, "starlog token: unknown subcommand '%s'\n", sub.c_str());
    usage(stderr);
    return 2;
  }
  Args args;
  if (auto err = parse_args(argc, argv, 1, spec, args)) {
    std::fprintf(stderr, "starlog token %s: %s (see --help)\n", sub.c_str(), err->c_str());
    return 2;
  }
  if (args.has("help")) {
    usage(stdout);
    return 0;
  }
  if (sub == "create") return create(args);
  if (sub == "list") return list(args);
  return revoke(args);
}

}  // namespace starlog::app
