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
#include "mcp/http/http_transport.h"
#include "mcp/server/call_limits.h"
#include "mcp/server/mcp_server.h"

namespace nmcp::app {

struct CliOptions {
  enum class Mode { Stdio, Http };
  Mode mode = Mode::Stdio;

  // Every default is the one of the options it feeds (HttpOptions, CallLimits, ServerOptions),
  // and usage() prints these values: one home per default.
  std::string http_host = mcp::HttpOptions{}.host;
  int http_port = mcp::HttpOptions{}.port;
  bool stateless = false;
  bool legacy_sse = true;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  std::string api_keys_file;
  std::size_t max_body_bytes = mcp::HttpOptions{}.max_body_bytes;
  std::size_t max_streams = mcp::HttpOptions{}.max_streams;
  std::size_t http_threads = mcp::HttpOptions{}.request_threads;
  std::size_t max_connections = mcp::HttpOptions{}.max_connections;
  std::size_t max_sessions_per_tenant = mcp::HttpOptions{}.max_sessions_per_tenant;
  std::size_t max_calls_per_session = mcp::CallLimits{}.per_session;
  std::size_t max_calls_per_tenant = mcp::CallLimits{}.per_tenant;
  std::chrono::seconds session_idle_timeout = mcp::HttpOptions{}.session_idle_timeout;
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
  std::chrono::milliseconds sse_keepalive = mcp::HttpOptions{}.keepalive_interval;
  std::size_t tools_page_size = mcp::ServerOptions{}.tools_page_size;
};

Result<CliOptions> parse_cli(const std::vector<std::string_view>& args);

std::string usage();

}  // namespace nmcp::app
