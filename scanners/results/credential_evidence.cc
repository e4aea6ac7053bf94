#include "scanners/results/credential_evidence.h"

#include <algorithm>

#include "core/base/text.h"

namespace nmcp::scanners::evidence {

// The lines of a plugin output, trimmed, blanks dropped.
std::vector<std::string> lines_of(const std::string& output) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = std::min(output.find('\n', start), output.size());
    std::string line(trim_space(std::string_view(output).substr(start, end - start)));
    start = end + 1;
    if (!line.empty()) out.push_back(std::move(line));
  }
  return out;
}

// "Key : value" (Nessus pads keys with spaces); "- Key : value" too.
std::optional<std::pair<std::string, std::string>> key_value(const std::string& line) {
  std::string_view l = line;
  if (l.rfind("- ", 0) == 0) l.remove_prefix(2);
  const auto colon = l.find(" :");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string key(trim_space(l.substr(0, colon)));
  std::string value(trim_space(l.substr(colon + 2)));
  if (key.empty() || key.size() > 40) return std::nullopt;
  return std::make_pair(ascii_lower(key), std::move(value));
}

// Why a login failed, from 104410 (Failure for Provided Credentials) or 21745 (OS Security
// Patch Assessment Failed), in one sentence: "SSH login as 'root' on port 22 failed:
// Authentication failed for user 'root'." Their outputs are blocks of "Key : value" lines with
// the explanation in a Message block, or (21745) a "failed because :" list.
std::string credential_failure_reason(const std::string& output, const std::string& fallback) {
  const auto lines = lines_of(output);
  std::string protocol, port, user, message;
  bool in_message = false;
  bool in_because = false;
  for (const auto& line : lines) {
    const std::string l = ascii_lower(line);
    if (l.find("failed because") != std::string::npos) {
      in_because = true;
      continue;
    }
    if (in_because && line.rfind("- ", 0) == 0 && message.empty()) {
      message = line.substr(2);
      continue;
    }
    if (auto kv = key_value(line)) {
      in_message = false;
      const auto& [key, value] = *kv;
      if (key == "protocol" && protocol.empty()) protocol = value;
      if (key == "port" && port.empty()) port = value;
      if (key == "user" && user.empty()) user = value;
      if (key == "message" && message.empty()) {
        message = value;
        in_message = value.empty();
      }
      continue;
    }
    if (in_message) {
      // The message body: the line that says what failed wins over advice around it.
      const bool says_failure =
          l.find("fail") != std::string::npos || l.find("denied") != std::string::npos ||
          l.find("refused") != std::string::npos || l.find("unable") != std::string::npos;
      if (message.empty() || says_failure) message = line;
      if (says_failure) in_message = false;
    }
  }
  if (message.empty() && protocol.empty()) return fallback;
  std::string reason = protocol.empty() ? "login" : protocol + " login";
  if (!user.empty()) reason += " as '" + user + "'";
  if (!port.empty() && port != "0") reason += " on port " + port;
  reason += message.empty() ? " was refused" : " failed: " + message;
  return reason.substr(0, 300);
}

// "Credentialed checks : yes, as 'root' via ssh" -> yes, root, ssh.
void read_scan_info(const std::string& output, std::optional<bool>& yes, std::string& account,
                    std::string& protocol) {
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = std::min(output.find('\n', start), output.size());
    const std::string line(trim_space(std::string_view(output).substr(start, end - start)));
    start = end + 1;
    const std::string l = ascii_lower(line);
    if (l.rfind("credentialed checks", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string value(trim_space(std::string_view(line).substr(colon + 1)));
    const std::string v = ascii_lower(value);
    if (v.rfind("yes", 0) == 0) {
      yes = true;
      const auto as = value.find("as '");
      if (as != std::string::npos) {
        const auto close = value.find('\'', as + 4);
        if (close != std::string::npos) account = value.substr(as + 4, close - as - 4);
      }
      const auto via = v.find("via ");
      if (via != std::string::npos) {
        std::string p = value.substr(via + 4);
        const auto stop = p.find_first_of(" )");
        protocol = stop == std::string::npos ? p : p.substr(0, stop);
      }
    } else if (v.rfind("no", 0) == 0) {
      yes = false;
    }
    return;
  }
}

// Every "Protocol : X" value of a credential plugin's output, in order, without repeats.
std::vector<std::string> protocols_in(const std::string& output) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(output)) {
    if (auto kv = key_value(line); kv && kv->first == "protocol" && !kv->second.empty()) {
      if (std::find(out.begin(), out.end(), kv->second) == out.end()) out.push_back(kv->second);
    }
  }
  return out;
}

// The value of the first "Key : value" line with this (lower-case) key.
std::string value_of(const std::string& output, std::string_view key) {
  for (const auto& line : lines_of(output)) {
    if (auto kv = key_value(line); kv && kv->first == key) return kv->second;
  }
  return {};
}

// 141118: "Nessus was able to log in to the remote host as root using SSH." -> "SSH".
std::string protocol_after_using(const std::string& output) {
  const std::string l = ascii_lower(output);
  const auto at = l.rfind(" using ");
  if (at == std::string::npos) return {};
  std::string word = output.substr(at + 7);
  const auto stop = word.find_first_of(" .\n\r)");
  return stop == std::string::npos ? word : word.substr(0, stop);
}

}  // namespace nmcp::scanners::evidence
