#pragma once
// Where the binaries keep the task store, scan results and the inline-credential key when no
// --data-dir is given, and how that directory is created. Every binary (nessus-mcp,
// nessus-worker, admin_cli) resolves it the same way, so they find each other's data without
// flags:
//
//   $NMCP_DATA_DIR                          (containers and tests set it)
//   $XDG_DATA_HOME/nessus-mcp               (Linux and other Unix, when XDG_DATA_HOME is set)
//   $HOME/.local/share/nessus-mcp           (Linux and other Unix)
//   $HOME/Library/Application Support/nessus-mcp   (macOS)
//
// HOME falls back to the password database, so a process started with a bare environment (as
// Claude Desktop starts servers) still finds the user's directory. Never the working directory:
// a server spawned in a project folder must not leave ./data behind.
//
// The directory holds every finding of the estate: it is created 0700 and a looser existing
// one is reported. Pure functions over an injected environment lookup; thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace nmcp::app {

using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

EnvGetter process_env();

// The default data directory (see above), or an error naming what to set.
Result<std::string> default_data_dir(const EnvGetter& env);

// Creates `dir` and its parents if missing (the last component 0700). Returns warnings about
// an existing directory that others can read or enter (the files inside stay 0600 either
// way); an error when it cannot be created or is not a directory.
Result<std::vector<std::string>> prepare_private_dir(const std::string& dir);

}  // namespace nmcp::app
