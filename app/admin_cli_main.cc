// admin_cli: the operators' tool over the same store as the servers (safe while they run: every
// change is one store transaction). The commands are in app/admin/; this file reads the command
// line, finds the command and runs it. Options may come before or after the command.

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "app/admin/admin.h"
#include "app/build_info.h"
#include "core/base/logging.h"

namespace {

using nmcp::admin::Args;
using nmcp::admin::Command;
using nmcp::admin::Option;

std::string path_text(const Command& c) {
  std::string s;
  for (const auto& w : c.path) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::string usage(const std::string& only = {}) {
  std::string s =
      "Usage: admin_cli [--data-dir DIR | --store SPEC] [--json] COMMAND [OPTIONS]\n\n"
      "Commands:\n";
  for (const auto& c : nmcp::admin::commands()) {
    const std::string name = path_text(c);
    if (!only.empty() && name.rfind(only, 0) != 0) continue;
    std::string head = "  " + name + (c.operands.empty() ? "" : " " + c.operands);
    s += head +
         (head.size() < 34 ? std::string(34 - head.size(), ' ') : "\n" + std::string(34, ' ')) +
         c.summary + "\n";
    for (const auto& o : c.options) {
      std::string opt = "      " + o.name + (o.value.empty() ? "" : " " + o.value);
      s += opt +
           (opt.size() < 34 ? std::string(34 - opt.size(), ' ') : "\n" + std::string(34, ' ')) +
           o.help + "\n";
    }
    if (!c.alias.empty()) s += std::string(34, ' ') + "(also: " + c.alias[0] + ")\n";
  }
  s += "\nOptions for every command:\n";
  for (const auto& o : nmcp::admin::global_options()) {
    std::string opt = "  " + o.name + (o.value.empty() ? "" : " " + o.value);
    s += opt + (opt.size() < 34 ? std::string(34 - opt.size(), ' ') : "\n" + std::string(34, ' ')) +
         o.help + "\n";
  }
  s += "\nExit status: 0 done, 1 the operation failed, 2 a wrong command line.\n";
  return s;
}

const Option* find_option(const std::vector<Option>& options, std::string_view name) {
  for (const auto& o : options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

// Every option any command takes: values are known before the command is.
const Option* any_option(std::string_view name) {
  if (const auto* o = find_option(nmcp::admin::global_options(), name)) return o;
  for (const auto& c : nmcp::admin::commands()) {
    if (const auto* o = find_option(c.options, name)) return o;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // results and the store hold the estate's vulnerabilities: owner only
  // A command prints its own outcome; the application layer's info lines are for servers'
  // logs. Warnings and errors still reach stderr.
  nmcp::log::set_level(nmcp::log::Level::Warn);
  const std::vector<std::string_view> in(argv + 1, argv + argc);
  const bool json = std::find(in.begin(), in.end(), "--json") != in.end();
  const nmcp::admin::Output out(json);
  auto usage_error = [&](const std::string& message) {
    return out.error({nmcp::ErrorCode::InvalidArgument, message,
                      "admin_cli --help lists the "
                      "commands and their options"},
                     2);
  };

  std::vector<std::string> words;
  Args args;
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string_view arg = in[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      words.emplace_back(arg);
      continue;
    }
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Option* o = any_option(arg);
    if (o == nullptr) return usage_error("unknown option \"" + std::string(in[i]) + "\"");
    if (o->value.empty()) {
      if (value) return usage_error(std::string(arg) + " takes no value");
      args.options[o->name].emplace_back();
    } else {
      if (!value) {
        if (i + 1 >= in.size()) return usage_error(std::string(arg) + " needs a value");
        value = in[++i];
      }
      args.options[o->name].emplace_back(*value);
    }
  }
  if (args.has("--version")) {
    std::printf("admin_cli %s\n", NMCP_VERSION);
    return 0;
  }
  if (words.empty() || words[0] == "help") {
    std::fputs(usage().c_str(), words.empty() && !args.has("--help") ? stderr : stdout);
    return words.empty() && !args.has("--help") ? 2 : 0;
  }

  // The longest command path the words start with, or an older single-word alias.
  const Command* command = nullptr;
  std::size_t used = 0;
  for (const auto& c : nmcp::admin::commands()) {
    const bool path_match =
        c.path.size() <= words.size() && std::equal(c.path.begin(), c.path.end(), words.begin());
    if (path_match && c.path.size() > used) {
      command = &c;
      used = c.path.size();
    }
    if (!c.alias.empty() && words[0] == c.alias[0] && used == 0) {
      command = &c;
      used = 1;
    }
  }
  if (args.has("--help")) {
    std::fputs(usage(command != nullptr ? path_text(*command) : words[0]).c_str(), stdout);
    return 0;
  }
  if (command == nullptr) {
    std::string known;
    for (const auto& c : nmcp::admin::commands()) {
      if (c.path[0] == words[0]) known += "\n  " + path_text(c) + " " + c.operands;
    }
    return usage_error(known.empty() ? "unknown command \"" + words[0] + "\""
                                     : "\"" + words[0] + "\" needs a subcommand:" + known);
  }
  args.operands.assign(words.begin() + static_cast<std::ptrdiff_t>(used), words.end());
  const std::string name = path_text(*command);
  if (args.operands.size() < command->min_operands ||
      args.operands.size() > command->max_operands) {
    return usage_error(
        "usage: admin_cli " + name +
        (command->operands.empty() ? " (takes no operands)" : " " + command->operands));
  }
  for (const auto& [opt, values] : args.options) {
    if (find_option(command->options, opt) == nullptr &&
        find_option(nmcp::admin::global_options(), opt) == nullptr) {
      return usage_error(opt + " does not apply to '" + name + "'");
    }
  }
  nmcp::app::EngineFlags engine;
  for (const char* flag : {"--data-dir", "--store"}) {
    if (auto v = args.value(flag)) {
      if (auto s = nmcp::app::apply_engine_flag(flag, *v, engine); !s) {
        return usage_error(s.error().message);
      }
    }
  }
  if (auto resolved = engine.resolve(); !resolved) return out.error(resolved.error());
  nmcp::admin::Context context(std::move(args), out, std::move(engine), nmcp::system_clock());
  try {
    return command->run(context);
  } catch (const std::exception& e) {
    return out.error({nmcp::ErrorCode::Internal, std::string("admin_cli failed: ") + e.what(), ""});
  }
}
