#include "app/cli_options.h"

#include <initializer_list>
#include <optional>
#include <utility>

namespace nmcp::app {
namespace {

Status bad(std::string message) { return fail(ErrorCode::InvalidArgument, std::move(message)); }

// HOST:PORT, [IPv6]:PORT, :PORT or HOST. The host is checked loosely here (the bind reports
// anything the OS rejects); the port strictly.
Status parse_address(std::string_view text, CliOptions& o) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return bad("--http: unterminated [IPv6] address in \"" + std::string(text) + "\"");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return bad("--http: expected :PORT after ] in \"" + std::string(text) + "\"");
      port = rest.substr(1);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad("--http: write IPv6 addresses in brackets, like [::1]:8765");
    }
  }
  if (!host.empty()) {
    for (const char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == ':';
      if (!ok) return bad("--http: \"" + std::string(host) + "\" is not a host name or address");
    }
    o.http_host = std::string(host);
  }
  if (!port.empty() || text.find(':') != std::string_view::npos) {
    const auto p = parse_whole_number(port);
    if (!p || *p < 0 || *p > 65535) {
      return bad("--http: port must be a number from 0 to 65535, got \"" + std::string(port) +
                 "\"");
    }
    o.http_port = static_cast<int>(*p);
  }
  return ok();
}

}  // namespace

namespace {

// Puts each default where the text names it ({name}), so the help never states another value.
std::string with_defaults(std::string text,
                          std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [name, value] : values) {
    const std::string mark = "{" + std::string(name) + "}";
    for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) {
      text.replace(at, mark.size(), value);
      at += value.size();
    }
  }
  return text;
}

}  // namespace

std::string usage() {
  const CliOptions d;
  const auto n = [](auto v) { return std::to_string(v); };
  return with_defaults(
      R"(Usage: nessus-mcp [--stdio | --http [HOST:PORT]] [options]

An MCP server that lets AI agents run Tenable Nessus scans safely and read their results.

Transport:
  --stdio                    MCP over stdin/stdout (the default; what Claude Desktop and
                             Claude Code spawn)
  --http [HOST:PORT]         Streamable HTTP on /mcp and legacy HTTP+SSE on /sse + /messages
                             (default {host}:{port}; port 0 picks a free port)
  --stateless                HTTP without sessions, for replicas behind a load balancer
  --no-legacy-sse            do not serve the deprecated /sse + /messages transport
  --allowed-host NAME        accept this Host header name besides localhost, 127.0.0.1, [::1]
                             and the bind address (repeatable)
  --allowed-origin ORIGIN    accept browser requests from this Origin, e.g.
                             https://console.example.com (repeatable; loopback is accepted)
  --api-keys-file PATH       require "Authorization: Bearer KEY"; PATH lists
                             "TENANT sha256:HEX [tools=a,b] [pools=a,b]" lines (admin_cli key
                             create TENANT makes a key and prints its line); SIGHUP reloads
                             it. Required when HOST is not a loopback address.
  --tls-cert PEM, --tls-key PEM
                             serve HTTPS: the certificate (with its chain) and its private
                             key; without them the listener is plain HTTP (put a TLS proxy in
                             front, as prod/README.md describes)
  --max-body-bytes N         largest accepted request body (default {max_body_bytes}); larger: 413
  --max-streams N            concurrent SSE streams (GET /mcp, GET /sse); beyond: 503
                             (default {max_streams})
  --max-connections N        open connections held at once (default {max_connections}; each is a file
                             descriptor, so the open-file limit is raised to match)
  --max-sessions-per-tenant N
                             sessions one tenant may hold (default {max_sessions_per_tenant}); beyond: 429
  --max-calls-per-tenant N, --max-calls-per-session N
                             tool calls in flight per tenant (default {calls_per_tenant}) and per session
                             (default {calls_per_session}), on every transport; beyond: an error saying so
  --http-threads N           threads always ready for HTTP requests (default {http_threads}; up to {max_http_threads}
                             run while all are busy)
  --session-idle-timeout S   end HTTP sessions idle this many seconds (default {session_idle_timeout})
  --shutdown-grace S         on SIGTERM, stop taking requests and give running calls this
                             many seconds to finish and be answered (default {shutdown_grace}; 0: at once)

General:
  --config PATH              scanner configuration (default {config})
  --audit-log PATH           append one line per allow/deny decision (scope, tool and pool
                             authorisation) here (default DATA_DIR/audit.log; admin_cli audit
                             reads it)
  --tool-threads N           threads running tool calls (default {tool_threads})
  --log-level LEVEL          trace, debug, info, warn, error or off (default info)
  --log-format FORMAT        json or plain (default json); logs go to stderr only
  --help                     show this text
  --version                  print the version

)" + engine_flags_usage(false) +
          R"(  --sse-keepalive-ms N       comment lines on idle event streams (default {sse_keepalive})
  --tools-page-size N        tools per tools/list page (default {tools_page_size})
  --test-tools               add the protocol test fixtures (conformance suite only; never
                             in production)
)",
      {{"host", d.http_host},
       {"port", n(d.http_port)},
       {"max_body_bytes", n(d.max_body_bytes)},
       {"max_streams", n(d.max_streams)},
       {"max_connections", n(d.max_connections)},
       {"max_sessions_per_tenant", n(d.max_sessions_per_tenant)},
       {"calls_per_tenant", n(d.max_calls_per_tenant)},
       {"calls_per_session", n(d.max_calls_per_session)},
       {"http_threads", n(d.http_threads)},
       {"max_http_threads", n(mcp::HttpOptions{}.max_request_threads)},
       {"session_idle_timeout", n(d.session_idle_timeout.count())},
       {"shutdown_grace", n(d.shutdown_grace.count())},
       {"config", d.config_path},
       {"tool_threads", n(d.tool_threads)},
       {"sse_keepalive", n(d.sse_keepalive.count())},
       {"tools_page_size", n(d.tools_page_size)}});
}

Result<CliOptions> parse_cli(const std::vector<std::string_view>& args) {
  CliOptions o;
  bool mode_set = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string_view> inline_value;  // --flag=value
    if (arg.rfind("--", 0) == 0) {
      if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    // The value of a flag that requires one.
    auto value = [&]() -> Result<std::string_view> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
        return fail(ErrorCode::InvalidArgument, std::string(arg) + " needs a value");
      }
      return args[++i];
    };
    auto set_string = [&](std::string& field) -> Status {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      field = std::string(*v);
      return ok();
    };
    auto add_string = [&](std::vector<std::string>& field) -> Status {
      std::string v;
      auto st = set_string(v);
      if (st) field.push_back(std::move(v));
      return st;
    };
    // A whole number in [min, max], handed to `assign`.
    auto set_count = [&](long long min, long long max, auto assign) -> Status {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      const auto n = parse_whole_number(*v);
      if (!n || *n < min || *n > max) {
        return bad(std::string(arg) + " must be a whole number from " + std::to_string(min) +
                   " to " + std::to_string(max) + ", got \"" + std::string(*v) + "\"");
      }
      assign(static_cast<std::size_t>(*n));
      return ok();
    };
    auto set_mode = [&](CliOptions::Mode mode) -> Status {
      if (mode_set && o.mode != mode) return bad("choose one of --stdio and --http");
      mode_set = true;
      o.mode = mode;
      return ok();
    };
    auto flag = [&](bool& field) -> Status {
      if (inline_value) return bad(std::string(arg) + " takes no value");
      field = true;
      return ok();
    };

    Status st = ok();
    if (arg == "--help" || arg == "-h") {
      st = flag(o.help);
    } else if (arg == "--version" || arg == "-V") {
      st = flag(o.version);
    } else if (arg == "--stdio") {
      st = inline_value ? bad("--stdio takes no value") : set_mode(CliOptions::Mode::Stdio);
    } else if (arg == "--http") {
      st = set_mode(CliOptions::Mode::Http);
      if (st && inline_value) {
        st = parse_address(*inline_value, o);
      } else if (st && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        st = parse_address(args[++i], o);
      }
    } else if (arg == "--stateless") {
      st = flag(o.stateless);
    } else if (arg == "--no-legacy-sse") {
      bool off = false;
      st = flag(off);
      o.legacy_sse = !off;
    } else if (arg == "--allowed-host") {
      st = add_string(o.allowed_hosts);
    } else if (arg == "--allowed-origin") {
      st = add_string(o.allowed_origins);
    } else if (arg == "--api-keys-file") {
      st = set_string(o.api_keys_file);
    } else if (arg == "--tls-cert") {
      st = set_string(o.tls_cert_file);
    } else if (arg == "--tls-key") {
      st = set_string(o.tls_key_file);
    } else if (arg == "--config") {
      st = set_string(o.config_path);
      o.config_given = true;
    } else if (arg == "--audit-log") {
      st = set_string(o.audit_log);
    } else if (arg == "--log-level" || arg == "--log-format") {
      std::string text;
      st = set_string(text);
      if (!st) {
      } else if (arg == "--log-level") {
        const auto level = log::parse_level(text);
        if (level)
          o.log_level = *level;
        else
          st = bad("--log-level must be trace, debug, info, warn, error or off, got \"" + text +
                   "\"");
      } else {
        const auto format = log::parse_format(text);
        if (format)
          o.log_format = *format;
        else
          st = bad("--log-format must be json or plain, got \"" + text + "\"");
      }
    } else if (arg == "--max-body-bytes") {
      st = set_count(1024, 1LL << 30, [&](std::size_t n) { o.max_body_bytes = n; });
    } else if (arg == "--max-streams") {
      st = set_count(1, 100000, [&](std::size_t n) { o.max_streams = n; });
    } else if (arg == "--max-connections") {
      st = set_count(16, 1000000, [&](std::size_t n) { o.max_connections = n; });
    } else if (arg == "--max-sessions-per-tenant") {
      st = set_count(1, 100000, [&](std::size_t n) { o.max_sessions_per_tenant = n; });
    } else if (arg == "--max-calls-per-tenant") {
      st = set_count(1, 10000, [&](std::size_t n) { o.max_calls_per_tenant = n; });
    } else if (arg == "--max-calls-per-session") {
      st = set_count(1, 10000, [&](std::size_t n) { o.max_calls_per_session = n; });
    } else if (arg == "--http-threads") {
      st = set_count(1, 1024, [&](std::size_t n) { o.http_threads = n; });
    } else if (arg == "--tool-threads") {
      st = set_count(1, 1024, [&](std::size_t n) { o.tool_threads = n; });
    } else if (arg == "--session-idle-timeout") {
      st = set_count(1, 7 * 24 * 3600,
                     [&](std::size_t n) { o.session_idle_timeout = std::chrono::seconds(n); });
    } else if (arg == "--shutdown-grace") {
      st = set_count(0, 3600, [&](std::size_t n) { o.shutdown_grace = std::chrono::seconds(n); });
    } else if (arg == "--no-worker") {
      st = flag(o.no_worker);
    } else if (is_engine_flag(arg)) {
      auto v = value();
      st = v ? apply_engine_flag(arg, *v, o.engine) : Status(tl::unexpected(v.error()));
    } else if (arg == "--test-tools") {
      st = flag(o.test_tools);
    } else if (arg == "--sse-keepalive-ms") {
      st = set_count(10, 3600000,
                     [&](std::size_t n) { o.sse_keepalive = std::chrono::milliseconds(n); });
    } else if (arg == "--tools-page-size") {
      st = set_count(1, 1000, [&](std::size_t n) { o.tools_page_size = n; });
    } else {
      st = bad("unknown option \"" + std::string(args[i]) + "\"");
    }
    if (!st) return tl::unexpected(st.error());
  }
  if (o.mode == CliOptions::Mode::Stdio &&
      (o.stateless || !o.allowed_hosts.empty() || !o.allowed_origins.empty() ||
       !o.api_keys_file.empty() || !o.tls_cert_file.empty() || !o.tls_key_file.empty())) {
    return fail(ErrorCode::InvalidArgument,
                "--stateless, --allowed-host, --allowed-origin, --api-keys-file, --tls-cert and "
                "--tls-key apply to --http only");
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return fail(ErrorCode::InvalidArgument, "--tls-cert and --tls-key go together");
  }
  return o;
}

}  // namespace nmcp::app
