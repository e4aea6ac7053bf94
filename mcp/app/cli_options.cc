#include "mcp/app/cli_options.h"

#include <charconv>
#include <optional>

namespace nmcp::app {
namespace {

std::optional<long long> parse_int(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

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
    const auto p = parse_int(port);
    if (!p || *p < 0 || *p > 65535) {
      return bad("--http: port must be a number from 0 to 65535, got \"" + std::string(port) +
                 "\"");
    }
    o.http_port = static_cast<int>(*p);
  }
  return ok();
}

}  // namespace

std::string usage() {
  return R"(Usage: nessus-mcp [--stdio | --http [HOST:PORT]] [options]

An MCP server that lets AI agents run Tenable Nessus scans safely and read their results.

Transport:
  --stdio                    MCP over stdin/stdout (the default; what Claude Desktop and
                             Claude Code spawn)
  --http [HOST:PORT]         Streamable HTTP on /mcp and legacy HTTP+SSE on /sse + /messages
                             (default 127.0.0.1:8765; port 0 picks a free port)
  --stateless                HTTP without sessions, for replicas behind a load balancer
  --no-legacy-sse            do not serve the deprecated /sse + /messages transport
  --allowed-host NAME        accept this Host header name besides localhost, 127.0.0.1, [::1]
                             and the bind address (repeatable)
  --allowed-origin ORIGIN    accept browser requests from this Origin, e.g.
                             https://console.example.com (repeatable; loopback is accepted)
  --api-keys-file PATH       require "Authorization: Bearer KEY"; PATH lists
                             "TENANT sha256:HEX [tools=a,b]" lines, where HEX is the SHA-256
                             of the key (printf %s "$KEY" | sha256sum). Required when HOST is
                             not a loopback address.
  --max-body-bytes N         largest accepted request body (default 4194304); larger: 413
  --max-streams N            concurrent SSE streams (GET /mcp, GET /sse); beyond: 503
                             (default 32)
  --http-threads N           threads for ordinary HTTP requests (default 16)
  --session-idle-timeout S   end HTTP sessions idle this many seconds (default 3600)

General:
  --config PATH              scanner configuration (default config/scanners.yaml)
  --tool-threads N           threads running tool calls (default 8)
  --log-level LEVEL          trace, debug, info, warn, error or off (default info)
  --log-format FORMAT        json or plain (default json); logs go to stderr only
  --help                     show this text
  --version                  print the version
)";
}

Result<CliOptions> parse_cli(const std::vector<std::string_view>& args) {
  CliOptions o;
  bool mode_set = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string_view> inline_value;
    if (arg.rfind("--", 0) == 0) {
      if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    // The value of a flag that requires one.
    auto value = [&](std::string_view flag) -> Result<std::string_view> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
        return fail(ErrorCode::InvalidArgument, std::string(flag) + " needs a value");
      }
      return args[++i];
    };
    auto count = [&](std::string_view flag, long long min, long long max) -> Result<std::size_t> {
      auto v = value(flag);
      if (!v) return tl::unexpected(v.error());
      const auto n = parse_int(*v);
      if (!n || *n < min || *n > max) {
        return fail(ErrorCode::InvalidArgument,
                    std::string(flag) + " must be a whole number from " + std::to_string(min) +
                        " to " + std::to_string(max) + ", got \"" + std::string(*v) + "\"");
      }
      return static_cast<std::size_t>(*n);
    };
    auto set_mode = [&](CliOptions::Mode mode) -> Status {
      if (mode_set && o.mode != mode) return bad("choose one of --stdio and --http");
      mode_set = true;
      o.mode = mode;
      return ok();
    };

    Status st = ok();
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--version" || arg == "-V") {
      o.version = true;
    } else if (arg == "--stdio") {
      st = set_mode(CliOptions::Mode::Stdio);
    } else if (arg == "--http") {
      st = set_mode(CliOptions::Mode::Http);
      if (st && inline_value) {
        st = parse_address(*inline_value, o);
      } else if (st && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        st = parse_address(args[++i], o);
      }
    } else if (arg == "--stateless") {
      o.stateless = true;
    } else if (arg == "--no-legacy-sse") {
      o.legacy_sse = false;
    } else if (arg == "--allowed-host") {
      auto v = value(arg);
      if (v)
        o.allowed_hosts.emplace_back(*v);
      else
        st = tl::unexpected(v.error());
    } else if (arg == "--allowed-origin") {
      auto v = value(arg);
      if (v)
        o.allowed_origins.emplace_back(*v);
      else
        st = tl::unexpected(v.error());
    } else if (arg == "--api-keys-file") {
      auto v = value(arg);
      if (v)
        o.api_keys_file = std::string(*v);
      else
        st = tl::unexpected(v.error());
    } else if (arg == "--config") {
      auto v = value(arg);
      if (v) {
        o.config_path = std::string(*v);
        o.config_given = true;
      } else {
        st = tl::unexpected(v.error());
      }
    } else if (arg == "--log-level") {
      auto v = value(arg);
      const auto level = v ? log::parse_level(*v) : std::nullopt;
      if (!v)
        st = tl::unexpected(v.error());
      else if (!level)
        st = bad("--log-level must be trace, debug, info, warn, error or off, got \"" +
                 std::string(*v) + "\"");
      else
        o.log_level = *level;
    } else if (arg == "--log-format") {
      auto v = value(arg);
      const auto format = v ? log::parse_format(*v) : std::nullopt;
      if (!v)
        st = tl::unexpected(v.error());
      else if (!format)
        st = bad("--log-format must be json or plain, got \"" + std::string(*v) + "\"");
      else
        o.log_format = *format;
    } else if (arg == "--max-body-bytes") {
      auto n = count(arg, 1024, 1LL << 30);
      if (n)
        o.max_body_bytes = *n;
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--max-streams") {
      auto n = count(arg, 1, 10000);
      if (n)
        o.max_streams = *n;
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--http-threads") {
      auto n = count(arg, 1, 1024);
      if (n)
        o.http_threads = *n;
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--tool-threads") {
      auto n = count(arg, 1, 1024);
      if (n)
        o.tool_threads = *n;
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--session-idle-timeout") {
      auto n = count(arg, 1, 7 * 24 * 3600);
      if (n)
        o.session_idle_timeout = std::chrono::seconds(*n);
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--test-tools") {
      o.test_tools = true;
    } else if (arg == "--sse-keepalive-ms") {
      auto n = count(arg, 10, 3600000);
      if (n)
        o.sse_keepalive = std::chrono::milliseconds(*n);
      else
        st = tl::unexpected(n.error());
    } else if (arg == "--tools-page-size") {
      auto n = count(arg, 1, 1000);
      if (n)
        o.tools_page_size = *n;
      else
        st = tl::unexpected(n.error());
    } else {
      st = bad("unknown option \"" + std::string(args[i]) + "\"");
    }
    if (!st) return tl::unexpected(st.error());
    if (inline_value && (arg == "--stdio" || arg == "--stateless" || arg == "--no-legacy-sse" ||
                         arg == "--help" || arg == "--version" || arg == "--test-tools")) {
      return fail(ErrorCode::InvalidArgument, std::string(arg) + " takes no value");
    }
  }
  if (o.mode == CliOptions::Mode::Stdio) {
    if (o.stateless || !o.allowed_hosts.empty() || !o.allowed_origins.empty() ||
        !o.api_keys_file.empty()) {
      return fail(ErrorCode::InvalidArgument,
                  "--stateless, --allowed-host, --allowed-origin and --api-keys-file apply to "
                  "--http only");
    }
  }
  return o;
}

}  // namespace nmcp::app
