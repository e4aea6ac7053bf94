#include "app/admin/admin.h"

namespace nmcp::admin {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = [] {
    std::vector<Command> out;
    for (auto group : {task_commands, dlq_commands, store_commands, housekeeping_commands,
                       setup_commands, audit_commands, policy_commands, schedule_commands}) {
      auto g = group();
      out.insert(out.end(), std::make_move_iterator(g.begin()), std::make_move_iterator(g.end()));
    }
    return out;
  }();
  return all;
}

const Option& config_option() {
  static const Option option{
      "--config", "PATH",
      "the scanner configuration (default $NMCP_CONFIG or config/scanners.yaml)"};
  return option;
}

const std::vector<Option>& global_options() {
  static const std::vector<Option> options = {
      {"--data-dir", "DIR",
       "the servers' data directory (default $NMCP_DATA_DIR, else $XDG_DATA_HOME/nessus-mcp or "
       "~/.local/share/nessus-mcp)"},
      {"--store", "SPEC", "the task store, e.g. sqlite:/var/lib/nessus-mcp/nessus-mcp.db"},
      {"--json", "", "one JSON document on stdout (errors too)"},
      {"--help", "", "this text"},
      {"--version", "", "print the version"},
  };
  return options;
}

}  // namespace nmcp::admin
