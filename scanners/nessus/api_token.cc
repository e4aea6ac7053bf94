#include "scanners/nessus/api_token.h"

#include <regex>

namespace nmcp::scanners {

std::optional<std::string> extract_api_token(std::string_view javascript) {
  // getApiToken ... return "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" with the closing quote right
  // after the twelfth digit, so a longer id cannot match by its prefix.
  static const std::regex pattern(
      R"re(getApiToken[^}]{0,200}?return\s*["']([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})["'])re");
  // The bundle can be megabytes and std::regex backtracks recursively, so the pattern only
  // runs on a short window after each mention (call sites come before the definition too).
  for (auto anchor = javascript.find("getApiToken"); anchor != std::string_view::npos;
       anchor = javascript.find("getApiToken", anchor + 1)) {
    const std::string window(javascript.substr(anchor, 400));
    std::smatch m;
    if (std::regex_search(window, m, pattern)) return m[1].str();
  }
  return std::nullopt;
}

}  // namespace nmcp::scanners
