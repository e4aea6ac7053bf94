#pragma once
// The secret values this process holds (credential passwords, private keys and passphrases,
// Nessus API keys), so that text leaving the process is scrubbed by value as well as by field
// name: a password quoted inside an error message or a plugin output is masked even where no
// "password=" precedes it. redact_text() applies it to every log line, client log message and
// error. wipe() overwrites a buffer that held a secret before it is released.
//
// Process-wide and thread-safe; remembering is rare (configuration loads, inline submits),
// masking is a shared-lock scan.

#include <cstddef>
#include <string>
#include <string_view>

namespace nmcp {

// Values shorter than this are not remembered: masking every "root" or "admin" in the logs
// would hide more than it protects (field-name redaction still covers them).
inline constexpr std::size_t kMinRememberedSecret = 6;

// Remembers `value` (and, for a multi-line value such as a PEM key, each line long enough to
// be recognisable on its own). At most a few thousand values are kept; the oldest go first.
void remember_secret(std::string_view value);

// `text` with every remembered value replaced by [REDACTED].
std::string mask_secret_values(std::string_view text);
// Whether `text` holds a remembered value (no copy: for scanning large results).
bool contains_secret_value(std::string_view text);

// Overwrites the bytes (in a way the compiler may not remove) and empties the string.
void wipe(std::string& secret);

// For tests: forget every remembered value.
void forget_secrets_for_tests();

}  // namespace nmcp
