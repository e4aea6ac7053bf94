#pragma once
// What a plugin's output says about a login: the "Key : value" blocks of the credential plugins
// (104410, 21745, 110723, ...), the scan information's "Credentialed checks" line (19506), and
// the protocol a successful login used (141118). The validator (scan_validation.h) decides each
// host's outcome from these readings; this file only reads text. Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nmcp::scanners::evidence {

// The lines of a plugin output, trimmed, blanks dropped.
std::vector<std::string> lines_of(const std::string& output);
// "Key : value" (Nessus pads keys with spaces); "- Key : value" too. The key in lower case.
std::optional<std::pair<std::string, std::string>> key_value(const std::string& line);
// Why a login failed, in one sentence ("SSH login as 'root' on port 22 failed: ..."), from
// 104410 or 21745; `fallback` when the output says nothing usable.
std::string credential_failure_reason(const std::string& output, const std::string& fallback);
// "Credentialed checks : yes, as 'root' via ssh" -> yes, root, ssh (unchanged when absent).
void read_scan_info(const std::string& output, std::optional<bool>& yes, std::string& account,
                    std::string& protocol);
// Every "Protocol : X" value of a credential plugin's output, in order, without repeats.
std::vector<std::string> protocols_in(const std::string& output);
// The value of the first "Key : value" line with this (lower-case) key.
std::string value_of(const std::string& output, std::string_view key);
// 141118: "Nessus was able to log in to the remote host as root using SSH." -> "SSH".
std::string protocol_after_using(const std::string& output);

}  // namespace nmcp::scanners::evidence
