#pragma once
// Command-line flags shared by nessus-mcp (embedded worker), nessus-worker and admin_cli: where
// the task store is, the data directory, and the worker engine's knobs. parse_engine_flag()
// handles one flag if it is one of these and leaves the rest to the binary's own parser.
// Pure; thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/base/secret_box.h"
#include "core/config/scanner_config.h"
#include "worker/engine/engine_options.h"

namespace nmcp::app {

struct EngineFlags {
  std::string store_spec;  // empty: sqlite:<data_dir>/nessus-mcp.db
  std::string data_dir = "data";
  bool data_dir_given = false;
  worker::EngineOptions engine;

  // Without --data-dir, $NMCP_DATA_DIR (containers set it) or ./data.
  void apply_environment();

  std::string resolved_store() const;
};

// A whole decimal number and nothing else (no sign games, no trailing text).
std::optional<long long> parse_whole_number(std::string_view text);

// Whether `flag` is one of these (each takes a value).
bool is_engine_flag(std::string_view flag);
Status apply_engine_flag(std::string_view flag, std::string_view value, EngineFlags& flags);

// The SecretBox for inline credentials when the configuration allows them (null otherwise):
// $NMCP_SECRET_KEY, or <data_dir>/secret.key created on first use.
Result<std::shared_ptr<const SecretBox>> open_secrets(const EngineFlags& flags,
                                                      const config::ScannerConfig& config);

// The --help lines for these flags.
std::string engine_flags_usage(bool worker_binary);

}  // namespace nmcp::app
