#pragma once
// Secret scrubbing for everything that leaves the process: log lines, MCP log notifications,
// error messages. Two layers: JSON values under secret-looking keys are replaced wholesale,
// and free text is scanned for credential shapes (Authorization headers, X-ApiKeys values,
// key=value pairs with secret-looking keys), and every secret value the process holds
// (secret_values.h) is masked wherever it appears. Thread-safe.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nmcp {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// True for keys such as "password", "ssh_password", "secretKey", "X-ApiKeys", "token",
// "Authorization", "cookie", "private_key", "passphrase" (case and separators ignored).
bool is_secret_key(std::string_view key);

// A copy of `value` where every member under a secret-looking key is "[REDACTED]".
nlohmann::json redact(const nlohmann::json& value);

// A copy of `text` with credential-shaped substrings masked.
std::string redact_text(std::string_view text);

}  // namespace nmcp
