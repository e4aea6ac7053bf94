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

// A copy of `value` where every member under a secret-looking key is "[REDACTED]" and every
// string is redact_text()ed. For what only the operator reads (log lines).
nlohmann::json redact(const nlohmann::json& value);

// A copy of `text` with credential-shaped substrings and every secret value this thread knows
// (secret_values.h) masked. For what only the operator reads.
std::string redact_text(std::string_view text);

// The same by shape only (secret-looking keys, key=value pairs, Authorization headers), never
// by value: for what a caller reads (MCP log and progress notifications), whose words may be
// the caller's own, so that what comes back never tells whether they equal a secret. What came
// from elsewhere is masked by value where it came in.
nlohmann::json redact_for_caller(const nlohmann::json& value);
std::string redact_shapes(std::string_view text);

}  // namespace nmcp
