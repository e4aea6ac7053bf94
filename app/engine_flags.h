#pragma once
// Command-line flags shared by nessus-mcp (embedded worker), nessus-worker and admin_cli: where
// the task store is, the data directory, and the worker engine's knobs. parse_engine_flag()
// handles one flag if it is one of these and leaves the rest to the binary's own parser.
// Pure; thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/data_dir.h"
#include "core/base/result.h"
#include "core/base/secret_box.h"
#include "core/config/scanner_config.h"
#include "core/store/open_store.h"
#include "worker/engine/engine_options.h"

namespace nmcp::app {

struct EngineFlags {
  std::string store_spec;  // empty: sqlite:<data_dir>/nessus-mcp.db
  std::string data_dir;    // --data-dir, else the default data directory (resolve())
  bool data_dir_given = false;
  // --metrics-listen ADDR: /health, /ready and /metrics on a listener of their own (stdio mode
  // and nessus-worker; nessus-mcp --http serves them on its own port). Empty: off.
  std::string metrics_listen;
  worker::EngineOptions engine;

  // Without --data-dir: the default data directory of data_dir.h ($NMCP_DATA_DIR, else the
  // platform's per-user directory). Fails only when no directory can be found.
  Status resolve(const EnvGetter& env = process_env());

  std::string resolved_store() const;
};

// Opens the store the flags name. With IfMissing::Create the data directory is created first
// (0700); `warnings` receives what was found wrong with an existing one (looser permissions).
Result<std::unique_ptr<store::TaskStore>> open_task_store(const EngineFlags& flags,
                                                          store::IfMissing if_missing,
                                                          std::vector<std::string>& warnings);

// A whole decimal number and nothing else (no sign games, no trailing text).
std::optional<long long> parse_whole_number(std::string_view text);

// Whether `flag` is one of these (each takes a value).
bool is_engine_flag(std::string_view flag);
Status apply_engine_flag(std::string_view flag, std::string_view value, EngineFlags& flags);

// The SecretBox for inline credentials when the configuration allows them (null otherwise):
// $NMCP_SECRET_KEY, or <data_dir>/secret.key created on first use (0600).
Result<std::shared_ptr<const SecretBox>> open_secrets(const EngineFlags& flags,
                                                      const config::ScannerConfig& config);

// The --help lines for these flags.
std::string engine_flags_usage(bool worker_binary);

}  // namespace nmcp::app
