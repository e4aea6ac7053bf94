// admin_cli: operators' view of the task store: queue and dead-letter statistics, listing,
// inspecting, retrying and purging dead letters, showing and cancelling tasks, and checking a
// scanner configuration. Works on the same --store as the servers (safe while they run: every
// change is one store transaction). Human tables by default, --json for scripts. Flags may
// come before or after the command.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/build_info.h"
#include "app/engine_flags.h"
#include "core/config/scanner_config.h"
#include "core/findings/results_location.h"
#include "core/store/open_store.h"
#include "core/task/task.h"
#include "scanners/results/export_indexer.h"

namespace {

using nlohmann::json;
using nmcp::task::Task;

constexpr const char* kUsage = R"(Usage: admin_cli [--data-dir DIR | --store SPEC] [--json] COMMAND

Commands:
  stats                          queue depth, running, dead letters and oldest wait per pool
  list-dlq [--pool P] [--limit N]
                                 dead-lettered tasks, newest first, with their errors
  inspect-dlq ID                 one dead-lettered task in full (never contains secrets)
  retry-dlq ID | --all [--pool P]
                                 queue dead-lettered tasks again; they resume from their step
  purge-dlq [--pool P] [--older-than AGE] [--yes]
                                 delete dead letters (AGE like 30m, 12h, 7d; default: all).
                                 Asks for confirmation unless --yes.
  task show ID                   one task in full
  task reindex ID                rebuild a finished task's findings index from its export
                                 (after a damaged file or an upgrade of the index format)
  task cancel ID                 cancel a task (a running scan is stopped by its worker)
  import FILE [--name N] [--pool P] [--owner O]
                                 turn an existing .nessus export into a completed task that
                                 agents query like any other (owner default: local, the stdio
                                 user; give the tenant for HTTP users; pool default: imported)
  config check [PATH]            validate a scanner configuration (default
                                 config/scanners.yaml); exit 1 listing every problem

Options:
  --data-dir DIR                 the servers' data directory (default $NMCP_DATA_DIR, else
                                 $XDG_DATA_HOME/nessus-mcp or ~/.local/share/nessus-mcp)
  --store SPEC                   the task store, e.g. sqlite:/var/lib/nessus-mcp/nessus-mcp.db
  --json                         machine-readable output
  --help, --version
)";

struct Args {
  std::vector<std::string> words;  // the command and its positional arguments
  nmcp::app::EngineFlags engine;
  bool json = false;
  bool all = false;
  bool yes = false;
  std::string pool;
  std::string name;
  std::string owner = "local";
  std::size_t limit = 50;
  std::optional<long long> older_than_ms;
};

int fail_with(const std::string& message, int code = 1) {
  std::fprintf(stderr, "admin_cli: %s\n", message.c_str());
  return code;
}

std::optional<long long> parse_age(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  long long n = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > 1'000'000) return std::nullopt;
  }
  switch (s.back()) {
    case 's':
      return n * 1000;
    case 'm':
      return n * 60'000;
    case 'h':
      return n * 3'600'000;
    case 'd':
      return n * 86'400'000;
    default:
      return std::nullopt;
  }
}

std::string parse_args(const std::vector<std::string_view>& in, Args& a) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string_view arg = in[i];
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string_view> {
      if (inline_value) return inline_value;
      if (i + 1 >= in.size()) return std::nullopt;
      return in[++i];
    };
    if (arg == "--json") {
      a.json = true;
    } else if (arg == "--all") {
      a.all = true;
    } else if (arg == "--yes" || arg == "-y") {
      a.yes = true;
    } else if (arg == "--help" || arg == "-h") {
      a.words = {"help"};
      return {};
    } else if (arg == "--version") {
      a.words = {"version"};
      return {};
    } else if (arg == "--pool") {
      auto v = value();
      if (!v || v->empty()) return "--pool needs a pool name";
      a.pool = std::string(*v);
    } else if (arg == "--name" || arg == "--owner") {
      auto v = value();
      if (!v || v->empty() || v->size() > 200)
        return std::string(arg) + " needs a value (at most 200 characters)";
      (arg == "--name" ? a.name : a.owner) = std::string(*v);
    } else if (arg == "--limit") {
      auto v = value();
      if (!v) return "--limit needs a number";
      try {
        a.limit = static_cast<std::size_t>(std::stoul(std::string(*v)));
      } catch (...) {
        return "--limit needs a number";
      }
    } else if (arg == "--older-than") {
      auto v = value();
      if (!v || !(a.older_than_ms = parse_age(*v))) {
        return "--older-than needs an age like 30m, 12h or 7d";
      }
    } else if (arg == "--store" || arg == "--data-dir") {
      auto v = value();
      if (!v) return std::string(arg) + " needs a value";
      if (auto s = nmcp::app::apply_engine_flag(arg, *v, a.engine); !s) return s.error().message;
    } else if (arg.rfind("--", 0) == 0) {
      return "unknown option \"" + std::string(in[i]) + "\"";
    } else {
      a.words.emplace_back(arg);
    }
  }
  return {};
}

std::string age(std::optional<nmcp::task::Millis> since) {
  if (!since) return "-";
  const long long s = (nmcp::task::now_millis() - *since) / 1000;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

void print_task(const Task& t, bool as_json) {
  if (as_json) {
    std::cout << nmcp::task::to_json(t).dump(2) << "\n";
    return;
  }
  const json j = nmcp::task::to_json(t);
  for (const auto& [k, v] : j.items()) {
    if (k == "request_hash") continue;
    std::printf("%-20s %s\n", k.c_str(),
                v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
}

int cmd_stats(nmcp::store::TaskStore& store, const Args& a) {
  auto stats = store.queue_stats();
  auto running = store.running_per_instance();
  if (!stats || !running) return fail_with("the task store is unavailable");
  if (a.json) {
    json pools = json::array();
    for (const auto& s : *stats) {
      pools.push_back(
          {{"pool", s.pool},
           {"queued", s.queued},
           {"running", s.running},
           {"dead_letters", s.dead_letters},
           {"oldest_queued_at", s.oldest_queued_at ? json(*s.oldest_queued_at) : json(nullptr)}});
    }
    std::cout << json{{"store", store.describe()},
                      {"pools", pools},
                      {"running_per_instance", *running}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("store: %s\n\n%-20s %8s %8s %8s %12s\n", store.describe().c_str(), "POOL", "QUEUED",
              "RUNNING", "DLQ", "OLDEST WAIT");
  for (const auto& s : *stats) {
    std::printf("%-20s %8d %8d %8d %12s\n", s.pool.c_str(), s.queued, s.running, s.dead_letters,
                age(s.oldest_queued_at).c_str());
  }
  if (stats->empty()) std::printf("(no tasks)\n");
  if (!running->empty()) {
    std::printf("\n%-20s %8s\n", "INSTANCE", "RUNNING");
    for (const auto& [id, n] : *running) std::printf("%-20s %8d\n", id.c_str(), n);
  }
  return 0;
}

nmcp::Result<std::vector<Task>> dead_letters(nmcp::store::TaskStore& store, const Args& a,
                                             std::size_t limit) {
  nmcp::store::TaskQuery q(nmcp::store::OwnerScope::everyone());
  q.dead_lettered_only = true;
  q.pool = a.pool;
  q.limit = limit;
  auto page = store.list(q);
  if (!page) return nmcp::fail(page.error());
  return page->tasks;
}

int cmd_list_dlq(nmcp::store::TaskStore& store, const Args& a) {
  auto tasks = dead_letters(store, a, a.limit);
  if (!tasks) return fail_with(tasks.error().message);
  if (a.json) {
    json out = json::array();
    for (const auto& t : *tasks) {
      out.push_back(
          {{"id", t.id},
           {"pool", t.pool},
           {"name", t.name},
           {"step", nmcp::task::to_string(t.step)},
           {"failures", t.failures},
           {"dead_lettered_at", t.dead_lettered_at ? json(*t.dead_lettered_at) : json(nullptr)},
           {"error", {{"code", t.error.code}, {"message", t.error.message}}}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-37s %-10s %-9s %6s  %s\n", "TASK", "POOL", "STEP", "AGE", "ERROR");
  for (const auto& t : *tasks) {
    std::printf("%-37s %-10s %-9s %6s  %s\n", t.id.c_str(), t.pool.c_str(),
                std::string(nmcp::task::to_string(t.step)).c_str(), age(t.dead_lettered_at).c_str(),
                t.error.message.substr(0, 100).c_str());
  }
  if (tasks->empty()) std::printf("(the dead-letter queue is empty)\n");
  return 0;
}

int cmd_retry(nmcp::store::TaskStore& store, const Args& a) {
  std::vector<std::string> ids;
  if (a.all) {
    auto tasks = dead_letters(store, a, 100000);
    if (!tasks) return fail_with(tasks.error().message);
    for (const auto& t : *tasks) ids.push_back(t.id);
  } else if (a.words.size() == 2) {
    ids.push_back(a.words[1]);
  } else {
    return fail_with("retry-dlq needs a task id or --all", 2);
  }
  int failed = 0;
  json done = json::array();
  for (const auto& id : ids) {
    if (!nmcp::task::is_valid_task_id(id)) return fail_with("'" + id + "' is not a task id", 2);
    auto t = store.retry_dead_letter(id, nmcp::task::now_millis());
    if (!t) {
      ++failed;
      std::fprintf(stderr, "admin_cli: %s: %s\n", id.c_str(), t.error().message.c_str());
      continue;
    }
    done.push_back(id);
    if (!a.json)
      std::printf("queued again: %s (resumes at step %s)\n", id.c_str(),
                  std::string(nmcp::task::to_string(t->step)).c_str());
  }
  if (a.json) std::cout << json{{"retried", done}, {"failed", failed}}.dump(2) << "\n";
  if (!a.json && ids.empty()) std::printf("(the dead-letter queue is empty)\n");
  return failed == 0 ? 0 : 1;
}

int cmd_purge(nmcp::store::TaskStore& store, const Args& a) {
  const nmcp::task::Millis before = nmcp::task::now_millis() - a.older_than_ms.value_or(0) + 1;
  if (!a.yes) {
    if (::isatty(STDIN_FILENO) == 0) {
      return fail_with("purge-dlq deletes tasks; pass --yes to confirm when not interactive", 2);
    }
    std::printf("Delete dead-lettered tasks%s%s? [y/N] ",
                a.pool.empty() ? "" : (" of pool " + a.pool).c_str(),
                a.older_than_ms ? " older than the given age" : "");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "yes") return fail_with("nothing deleted", 1);
  }
  auto n = store.purge_dead_letters(a.pool, before);
  if (!n) return fail_with(n.error().message);
  if (a.json) {
    std::cout << json{{"deleted", *n}}.dump(2) << "\n";
  } else {
    std::printf("deleted %d dead-lettered task%s\n", *n, *n == 1 ? "" : "s");
  }
  return 0;
}

// Copies the export into the task's results folder, indexes it, then records the task: a
// refused file leaves neither a task nor files behind.
int cmd_import(nmcp::store::TaskStore& store, const Args& a) {
  if (a.words.size() != 2)
    return fail_with("usage: import FILE [--name N] [--pool P] [--owner O]", 2);
  const std::string& file = a.words[1];
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return fail_with("cannot import " + file + ": not a readable file", 2);
  }
  Task t;
  t.id = nmcp::task::new_task_id();
  t.owner = a.owner;
  t.pool = a.pool.empty() ? "imported" : a.pool;
  t.created_at = nmcp::task::now_millis();
  t.trace_id = t.id;
  auto paths = nmcp::findings::results_paths(a.engine.data_dir, t.id);
  if (!paths) return fail_with(paths.error().message);
  std::filesystem::create_directories(paths->dir, ec);
  if (ec) return fail_with("cannot create " + paths->dir + ": " + ec.message());
  auto cleanup = [&] { std::filesystem::remove_all(paths->dir, ec); };
  std::filesystem::copy_file(file, paths->export_file, ec);
  if (ec) {
    cleanup();
    return fail_with("cannot copy " + file + ": " + ec.message());
  }
  auto indexed = nmcp::scanners::index_export(paths->export_file, paths->index_file,
                                              nmcp::scanners::CredentialsSupplied::Unknown);
  if (!indexed) {
    cleanup();
    return fail_with("refused " + file + ": " + indexed.error().message +
                         (indexed.error().hint.empty() ? "" : " (" + indexed.error().hint + ")"),
                     2);
  }
  t.summary = indexed->summary;
  t.summary["imported_from"] = std::filesystem::path(file).filename().string();
  t.validation = indexed->validation;
  const std::string scan_name = indexed->summary.value("scan_name", "");
  t.name = !a.name.empty()      ? a.name
           : !scan_name.empty() ? scan_name
                                : std::filesystem::path(file).filename().string();
  t.scan_type = indexed->validation.value("credentials", "") == "not_applicable"
                    ? nmcp::task::ScanType::Untrusted
                    : nmcp::task::ScanType::Authenticated;
  t.description = "imported from " + std::filesystem::path(file).filename().string();
  auto recorded = store.import_completed(t);
  if (!recorded) {
    cleanup();
    return fail_with(recorded.error().message);
  }
  if (a.json) {
    std::cout << json{{"task_id", t.id}, {"owner", t.owner}, {"summary", t.summary}}.dump(2)
              << "\n";
  } else {
    std::printf("imported %s as %s (owner %s): %lld hosts, %lld findings\n", file.c_str(),
                t.id.c_str(), t.owner.c_str(), indexed->summary.value("hosts", 0LL),
                indexed->summary.value("findings", 0LL));
  }
  return 0;
}

int cmd_reindex(const Task& t, const Args& a) {
  if (!nmcp::task::is_terminal(t.state)) {
    return fail_with(t.id + " is " + std::string(nmcp::task::to_string(t.state)) +
                     "; only a finished task is re-indexed (its worker indexes it at the end)");
  }
  auto paths = nmcp::findings::results_paths(a.engine.data_dir, t.id);
  if (!paths) return fail_with(paths.error().message);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(paths->export_file, ec)) {
    return fail_with(t.id + " has no export at " + paths->export_file);
  }
  const auto credentials = t.scan_type == nmcp::task::ScanType::Untrusted
                               ? nmcp::scanners::CredentialsSupplied::No
                               : nmcp::scanners::CredentialsSupplied::Yes;
  auto indexed = nmcp::scanners::index_export(paths->export_file, paths->index_file, credentials);
  if (!indexed) return fail_with("re-indexing failed: " + indexed.error().message);
  if (a.json) {
    std::cout << json{{"task_id", t.id},
                      {"findings", indexed->stats.items},
                      {"hosts", indexed->stats.hosts}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("%s: re-indexed %llu findings on %llu hosts\n", t.id.c_str(),
                static_cast<unsigned long long>(indexed->stats.items),
                static_cast<unsigned long long>(indexed->stats.hosts));
  }
  return 0;
}

int cmd_config_check(const Args& a) {
  const std::string path = a.words.size() >= 3 ? a.words[2] : "config/scanners.yaml";
  auto c = nmcp::config::load_config(path, nmcp::config::process_environment());
  if (!c) {
    if (a.json) {
      std::cout << json{{"ok", false}, {"problems", c.error().message}}.dump(2) << "\n";
    } else {
      std::fprintf(stderr, "%s\n", c.error().message.c_str());
    }
    return 1;
  }
  if (a.json) {
    std::cout << json{{"ok", true}, {"config", nmcp::config::describe(*c)}}.dump(2) << "\n";
  } else {
    std::size_t instances = 0;
    for (const auto& p : c->pools) instances += p.instances.size();
    std::printf("%s: ok (%zu pools, %zu instances, %zu credential profiles)\n", path.c_str(),
                c->pools.size(), instances, c->credentials.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // results and the store hold the estate's vulnerabilities: owner only
  Args a;
  if (auto problem = parse_args({argv + 1, argv + argc}, a); !problem.empty()) {
    return fail_with(problem + "\nTry 'admin_cli --help'.", 2);
  }
  if (a.words.empty() || a.words[0] == "help") {
    std::fputs(kUsage, a.words.empty() ? stderr : stdout);
    return a.words.empty() ? 2 : 0;
  }
  const std::string& cmd = a.words[0];
  if (cmd == "version") {
    std::printf("admin_cli %s\n", NMCP_VERSION);
    return 0;
  }
  if (cmd == "config") {
    if (a.words.size() < 2 || a.words[1] != "check")
      return fail_with("usage: config check [PATH]", 2);
    return cmd_config_check(a);
  }
  if (auto resolved = a.engine.resolve(); !resolved) {
    return fail_with(resolved.error().message + " (" + resolved.error().hint + ")");
  }
  // Only an import may start a store; every other command works on an existing one, so a
  // command run with the wrong --data-dir says so instead of leaving an empty store behind.
  const auto if_missing =
      cmd == "import" ? nmcp::store::IfMissing::Create : nmcp::store::IfMissing::Refuse;
  std::vector<std::string> warnings;
  auto store = nmcp::app::open_task_store(a.engine, if_missing, warnings);
  if (!store) return fail_with(store.error().message + " (" + store.error().hint + ")");
  for (const auto& w : warnings) std::fprintf(stderr, "admin_cli: warning: %s\n", w.c_str());
  nmcp::store::TaskStore& s = **store;

  if (cmd == "stats") return cmd_stats(s, a);
  if (cmd == "import") return cmd_import(s, a);
  if (cmd == "list-dlq") return cmd_list_dlq(s, a);
  if (cmd == "retry-dlq") return cmd_retry(s, a);
  if (cmd == "purge-dlq") return cmd_purge(s, a);
  if (cmd == "inspect-dlq" || cmd == "task") {
    const bool task_cmd = cmd == "task";
    const std::size_t need = task_cmd ? 3 : 2;
    if (a.words.size() != need ||
        (task_cmd && a.words[1] != "show" && a.words[1] != "cancel" && a.words[1] != "reindex")) {
      return fail_with(task_cmd ? "usage: task show ID | task cancel ID | task reindex ID"
                                : "usage: inspect-dlq ID",
                       2);
    }
    const std::string& id = a.words[need - 1];
    if (!nmcp::task::is_valid_task_id(id)) return fail_with("'" + id + "' is not a task id", 2);
    if (task_cmd && a.words[1] == "cancel") {
      auto t = s.request_cancel(id, nmcp::store::OwnerScope::everyone(), nmcp::task::now_millis());
      if (!t) return fail_with(t.error().message);
      if (a.json) {
        print_task(*t, true);
      } else {
        std::printf("%s: %s\n", id.c_str(),
                    t->state == nmcp::task::State::Cancelled
                        ? "cancelled"
                        : "cancel requested; its worker stops the Nessus scan");
      }
      return 0;
    }
    auto t = s.get(id, nmcp::store::OwnerScope::everyone());
    if (!t) return fail_with(t.error().message);
    if (task_cmd && a.words[1] == "reindex") return cmd_reindex(*t, a);
    if (!task_cmd && !t->dead_lettered) {
      return fail_with(id + " is not in the dead-letter queue (state " +
                       std::string(nmcp::task::to_string(t->state)) + "); use 'task show'");
    }
    print_task(*t, a.json);
    return 0;
  }
  return fail_with("unknown command \"" + cmd + "\"\nTry 'admin_cli --help'.", 2);
}
