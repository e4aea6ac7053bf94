#include "mcp/protocol/version.h"

namespace nmcp::mcp {

std::optional<ProtocolVersion> parse_version(std::string_view text) {
  if (text == "2025-11-25") return ProtocolVersion::V2025_11_25;
  if (text == "2025-06-18") return ProtocolVersion::V2025_06_18;
  if (text == "2025-03-26") return ProtocolVersion::V2025_03_26;
  if (text == "2024-11-05") return ProtocolVersion::V2024_11_05;
  return std::nullopt;
}

std::string_view to_string(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::V2024_11_05:
      return "2024-11-05";
    case ProtocolVersion::V2025_03_26:
      return "2025-03-26";
    case ProtocolVersion::V2025_06_18:
      return "2025-06-18";
    case ProtocolVersion::V2025_11_25:
      return "2025-11-25";
  }
  return "2025-11-25";
}

bool is_modern_version(std::string_view text) {
  for (const auto v : kModernVersions) {
    if (v == text) return true;
  }
  return false;
}

ProtocolVersion negotiate(std::string_view requested) {
  return parse_version(requested).value_or(kLatestVersion);
}

}  // namespace nmcp::mcp
