#pragma once
// MCP protocol revisions this server speaks: the legacy, handshake era (ProtocolVersion, with
// the negotiation rule: echo a version we support, otherwise offer the newest; feature gates
// compare versions with the ordinary operators) and the modern, stateless era (2026-07-28 on:
// no initialize, every request names its revision in `_meta`). Pure; thread-safe.

#include <array>
#include <optional>
#include <string_view>

namespace nmcp::mcp {

enum class ProtocolVersion {
  V2024_11_05,  // HTTP+SSE transport, base feature set
  V2025_03_26,  // Streamable HTTP, tool annotations, progress messages
  V2025_06_18,  // structured tool output, titles, MCP-Protocol-Version header
  V2025_11_25,  // latest legacy revision (icons, descriptions, 403 on bad Origin)
};

inline constexpr ProtocolVersion kLatestVersion = ProtocolVersion::V2025_11_25;
// What an HTTP request without MCP-Protocol-Version is assumed to speak (spec, 2025-06-18).
inline constexpr ProtocolVersion kHeaderlessHttpVersion = ProtocolVersion::V2025_03_26;

// Newest first, as offered in error data.
inline constexpr std::array<std::string_view, 4> kSupportedVersions = {"2025-11-25", "2025-06-18",
                                                                       "2025-03-26", "2024-11-05"};

// The modern revisions, newest first: server/discover's supportedVersions and the list a
// -32022 carries.
inline constexpr std::array<std::string_view, 1> kModernVersions = {"2026-07-28"};
bool is_modern_version(std::string_view text);

std::optional<ProtocolVersion> parse_version(std::string_view text);
std::string_view to_string(ProtocolVersion version);

// The version to answer an initialize request with.
ProtocolVersion negotiate(std::string_view requested);

}  // namespace nmcp::mcp
