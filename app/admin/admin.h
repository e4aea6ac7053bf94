#pragma once
// admin_cli's commands and what they share. A command is a path ("task list"), the operands and
// options it takes, and a function of a Context. The Context gives every command the same
// things: its parsed options, the store (opened only when the command needs it, created only
// by the one command that may start a store), the scanner configuration, the clock, and one
// Output, so that every command speaks the same shapes: human tables with readable times, or
// with --json one JSON document on stdout with the MCP tools' names (task_id, ISO 8601 times),
// errors included ({"error": {code, message, hint}}).
//
// Exit codes: 0 done; 1 the operation failed (not found, refused, store trouble); 2 the command
// line is wrong.
//
// Not thread-safe: one command runs per process.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/engine_flags.h"
#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "service/action_words.h"
#include "service/export_indexer.h"
#include "service/scan_service.h"

namespace nmcp::admin {

using nlohmann::json;
using task::Millis;

struct Option {
  std::string name;   // "--pool"
  std::string value;  // what it takes, e.g. "P"; empty: a flag
  std::string help;
};

// The operands and options of one command line.
struct Args {
  std::vector<std::string> operands;  // after the command's path
  std::map<std::string, std::vector<std::string>> options;
  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  // A comma-separated list option, split ("a,b" -> {a, b}); repeated options add up.
  std::vector<std::string> list(const std::string& name) const;
};

class Output {
 public:
  explicit Output(bool as_json) : json_(as_json) {}
  bool is_json() const { return json_; }
  // --json: prints `j`; otherwise runs `human`.
  void result(const json& j, const std::function<void()>& human) const;
  // Prints the error (--json: as a document on stdout; else on stderr with its hint) and
  // returns `code`.
  int error(const Error& e, int code = 1) const;
  // A table with a header row; `empty` is printed instead when there are no rows.
  void table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows, const std::string& empty) const;

 private:
  bool json_;
};

// How an operator is told to do what the application layer suggests: the admin_cli command.
std::string operator_words(Action a);

class Context {
 public:
  Context(Args a, Output o, app::EngineFlags e, const Clock& c)
      : args(std::move(a)), out(o), engine(std::move(e)), clock(c) {}

  Args args;
  Output out;
  app::EngineFlags engine;
  const Clock& clock;

  // --config, else $NMCP_CONFIG, else config/scanners.yaml.
  std::string config_path() const;
  // Read once per command (the services see the same one); the file's own error when it cannot
  // be read.
  Result<std::shared_ptr<const config::ScannerConfig>> config();
  // The application layer over this command's store and configuration, for an operator (every
  // tenant). The configuration is optional here: without one, views lack what it adds.
  // The store is opened once: an existing one only, unless `create_store` (import, the one
  // command that may start a store).
  Result<service::Services> services(bool create_store = false);
  // The same without a store: only what the configuration answers (a dry run without quotas).
  Result<service::Services> services_without_store();
  // A Result's error as this command's output (hints in an operator's words).
  int fail(const Error& e, int code = 1) const {
    return out.error(service::worded(e, operator_words), code);
  }
  int usage(const std::string& message) const {
    return out.error({ErrorCode::InvalidArgument, message, "admin_cli --help lists the commands"},
                     2);
  }

 private:
  Result<store::TaskStore*> store(bool create);

  std::unique_ptr<store::TaskStore> store_;
  std::unique_ptr<config::ConfigHolder> config_holder_;
  std::optional<Error> config_error_;  // why the configuration could not be read
  std::unique_ptr<service::ExportIndexer> indexer_;
};

struct Command {
  Command(std::vector<std::string> p, std::string ops, std::string what, std::vector<Option> opts,
          std::function<int(Context&)> fn, std::size_t min_ops = 0, std::size_t max_ops = 0,
          std::vector<std::string> aka = {})
      : path(std::move(p)),
        operands(std::move(ops)),
        summary(std::move(what)),
        options(std::move(opts)),
        run(std::move(fn)),
        min_operands(min_ops),
        max_operands(max_ops),
        alias(std::move(aka)) {}

  std::vector<std::string> path;  // {"task", "list"}
  std::string operands;           // "ID", "[PATH]", ""
  std::string summary;
  std::vector<Option> options;
  std::function<int(Context&)> run;
  std::size_t min_operands = 0;
  std::size_t max_operands = 0;
  std::vector<std::string> alias;  // an older spelling, e.g. {"list-dlq"}
};

// Every command, in --help order.
const std::vector<Command>& commands();
// --config, for the commands that read the scanner configuration.
const Option& config_option();
// The options every command takes.
const std::vector<Option>& global_options();

// --- Shared helpers ---------------------------------------------------------------------
// "2026-12-01T18:00:00Z (5m ago)"; "-" for 0.
std::string human_time(Millis t, Millis now);
std::string iso_time(Millis t);  // "2026-12-01T18:00:00Z"; null JSON for 0 is the caller's
json time_json(std::optional<Millis> t);
// 30s, 15m, 12h, 7d, 2w -> milliseconds.
// Durations and times as core/base/time_text.h reads them, with the option named in the error.
Result<Millis> parse_duration(std::string_view text, const std::string& option);
Result<Millis> parse_since(std::string_view text, const std::string& option, Millis now);
// What an operator sees of a task: the one view (service/task_status.h, the same fields and
// values as get_scan_status). `internal` adds the lease, backoff and idempotency fields; never
// the sealed credentials themselves.
json task_json(const service::TaskStatus& v, bool internal);
// A task id operand, checked.
Result<std::string> task_id_operand(const Context& c, std::size_t index);

// The command groups.
std::vector<Command> task_commands();
std::vector<Command> dlq_commands();
std::vector<Command> store_commands();
std::vector<Command> setup_commands();
std::vector<Command> housekeeping_commands();
std::vector<Command> audit_commands();
std::vector<Command> policy_commands();
std::vector<Command> schedule_commands();

}  // namespace nmcp::admin
