#include "core/findings/finding.h"

#include "core/base/text.h"

namespace nmcp::findings {

namespace {
constexpr std::string_view kNames[] = {"info", "low", "medium", "high", "critical"};
}

std::optional<int> parse_severity(std::string_view text) {
  const std::string t = ascii_lower(trim_space(text));
  if (t.size() == 1 && t[0] >= '0' && t[0] <= '4') return t[0] - '0';
  for (int i = 0; i < 5; ++i) {
    if (t == kNames[i]) return i;
  }
  if (t == "informational" || t == "none") return 0;
  return std::nullopt;
}

std::string_view severity_name(int severity) {
  return severity >= 0 && severity <= 4 ? kNames[severity] : "unknown";
}

}  // namespace nmcp::findings
