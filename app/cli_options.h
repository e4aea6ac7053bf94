#pragma once
// Command line of the nessus-mcp binary: parsing and validation into CliOptions, and the
// --help text. Parsing never exits or prints; main() does that (exit code 2 on a bad command
// line). Pure; thread-safe.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "app/engine_flags.h"
#include "core/base/logging.h"
#include "core/base/result.h"

namespace nmcp::app {

struct CliOptions {
  enum class Mode { Stdio, Http };
  Mode mode = Mode::Stdio;

  std::string http_host = "127.0.0.1";
  int http_port = 8765;
  bool stateless = false;
  bool legacy_sse = true;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  std::string api_keys_file;
  std::size_t max_body_bytes = 4U << 20U;
  std::size_t max_streams = 4096;
  std::size_t http_threads = 16;
  std::size_t max_connections = 20000;
  std::size_t max_sessions_per_tenant = 256;
  std::size_t max_calls_per_session = 32;
  std::size_t max_calls_per_tenant = 64;
  std::chrono::seconds session_idle_timeout{3600};
  std::chrono::seconds shutdown_grace{10};  // SIGTERM: running HTTP calls get this long
  std::string tls_cert_file;
  std::string tls_key_file;

  std::string config_path = "config/scanners.yaml";
  std::string audit_log;  // empty: DATA_DIR/audit.log
  bool config_given = false;
  log::Level log_level = log::Level::Info;
  log::Format log_format = log::Format::Json;
  std::size_t tool_threads = 8;
  EngineFlags engine;      // --store, --data-dir, worker knobs
  bool no_worker = false;  // --no-worker: another process runs the scans

  bool help = false;
  bool version = false;

  // Test and benchmark knobs; accepted but not advertised by --help.
  bool test_tools = false;
  std::chrono::milliseconds sse_keepalive{15000};
  std::size_t tools_page_size = 100;
};

Result<CliOptions> parse_cli(const std::vector<std::string_view>& args);

std::string usage();

}  // namespace nmcp::app
