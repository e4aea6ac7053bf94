#pragma once
// Finds the web UI's X-API-Token in the /nessus6.js bundle. Anchored on the getApiToken method
// (the bundle holds other UUID-shaped strings, such as 52-character template ids, that a bare
// UUID pattern would grab first); accepts either letter case and either quote. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace nmcp::scanners {

std::optional<std::string> extract_api_token(std::string_view javascript);

}  // namespace nmcp::scanners
