#pragma once
// MCP logging levels (RFC 5424 severities, as used by logging/setLevel and
// notifications/message). Separate from the process log level in core/base/logging.h: this is
// what a client asked to receive. Pure; thread-safe.

#include <optional>
#include <string_view>

namespace nmcp::mcp {

enum class McpLogLevel { Debug, Info, Notice, Warning, Error, Critical, Alert, Emergency };

std::optional<McpLogLevel> parse_mcp_log_level(std::string_view text);
std::string_view to_string(McpLogLevel level);

}  // namespace nmcp::mcp
