#include "mcp/protocol/log_level.h"

#include <array>
#include <utility>

namespace nmcp::mcp {
namespace {

constexpr std::array<std::pair<std::string_view, McpLogLevel>, 8> kLevels = {{
    {"debug", McpLogLevel::Debug},
    {"info", McpLogLevel::Info},
    {"notice", McpLogLevel::Notice},
    {"warning", McpLogLevel::Warning},
    {"error", McpLogLevel::Error},
    {"critical", McpLogLevel::Critical},
    {"alert", McpLogLevel::Alert},
    {"emergency", McpLogLevel::Emergency},
}};

}  // namespace

std::optional<McpLogLevel> parse_mcp_log_level(std::string_view text) {
  for (const auto& [name, level] : kLevels) {
    if (name == text) return level;
  }
  return std::nullopt;
}

std::string_view to_string(McpLogLevel level) {
  for (const auto& [name, value] : kLevels) {
    if (value == level) return name;
  }
  return "info";
}

}  // namespace nmcp::mcp
