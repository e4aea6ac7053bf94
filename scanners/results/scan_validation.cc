#include "scanners/results/scan_validation.h"

#include <algorithm>
#include <cctype>

#include "core/base/text.h"

namespace nmcp::scanners {

using nlohmann::json;

namespace {

constexpr int kScanInfo = 19506;
constexpr std::size_t kTopPlugins = 10;

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

}  // namespace

std::string_view to_string(CredentialStatus s) {
  switch (s) {
    case CredentialStatus::Success:
      return "success";
    case CredentialStatus::Partial:
      return "partial";
    case CredentialStatus::Failed:
      return "failed";
    case CredentialStatus::NotApplicable:
      return "not_applicable";
    case CredentialStatus::Unknown:
      return "unknown";
  }
  return "unknown";
}

ScanValidator::ScanValidator(CredentialsSupplied supplied) : supplied_(supplied) {}

void ScanValidator::on_host(const ReportHost& host) {
  current_ = HostState{};
  const std::string tag = ascii_lower(host.property("Credentialed_Scan"));
  if (tag == "true") current_.tag = true;
  if (tag == "false") current_.tag = false;
}

void ScanValidator::on_item(const ReportHost&, const ReportItem& item) {
  switch (item.plugin_id) {
    case kScanInfo:
      read_scan_info(item.first("plugin_output"), current_.line_yes, current_.account,
                     current_.protocol);
      break;
    case 141118:
    case 117887:
      current_.login_ok_plugin = true;
      break;
    case 104410:
    case 21745:
      current_.refused = true;
      if (current_.refused_detail.empty()) {
        current_.refused_detail =
            credential_failure_reason(item.first("plugin_output"), item.plugin_name);
      }
      break;
    case 110385:
    case 102094:
      current_.escalation_failed = true;
      break;
    default:
      break;
  }
  // 19506 reports as a hole when the feed is old: it is never a finding.
  const int severity = item.plugin_id == kScanInfo ? 0 : item.severity;
  ++findings_;
  switch (severity) {
    case 4:
      ++severities_.critical;
      break;
    case 3:
      ++severities_.high;
      break;
    case 2:
      ++severities_.medium;
      break;
    case 1:
      ++severities_.low;
      break;
    default:
      ++severities_.info;
      break;
  }
  if (severity >= 1) {
    auto [entry, added] = plugin_counts_.try_emplace(item.plugin_id);
    if (added) entry->second.first = item.plugin_name;
    ++entry->second.second;
    int& top = plugin_severity_[item.plugin_id];
    top = std::max(top, severity);
  }
}

void ScanValidator::on_host_end(const ReportHost& host) {
  HostCredential hc;
  hc.host = host.name;
  hc.account = current_.account;
  hc.protocol = current_.protocol;
  const HostState& s = current_;
  const bool logged_in = s.tag.value_or(false) || s.line_yes.value_or(false) || s.login_ok_plugin;
  const bool said_no = (s.tag && !*s.tag) || (s.line_yes && !*s.line_yes);
  if (supplied_ == CredentialsSupplied::No) {
    hc.status = CredentialStatus::NotApplicable;
  } else if (supplied_ == CredentialsSupplied::Unknown && !logged_in && !s.refused) {
    hc.status = said_no ? CredentialStatus::NotApplicable : CredentialStatus::Unknown;
    if (!said_no) hc.reason = "no scan information for this host (it may not have been scanned)";
  } else if (logged_in && s.escalation_failed) {
    hc.status = CredentialStatus::Partial;
    hc.reason =
        "logged in, but privilege escalation failed: local checks ran without full "
        "privileges";
  } else if (logged_in) {
    hc.status = CredentialStatus::Success;
  } else if (s.refused || said_no) {
    hc.status = CredentialStatus::Failed;
    hc.reason = s.refused ? s.refused_detail : "Nessus reported no credentialed checks";
  } else {
    hc.status = CredentialStatus::Unknown;
    hc.reason = "no scan information for this host (it may not have been scanned)";
  }
  ++hosts_;
  ++outcomes_[static_cast<std::size_t>(hc.status)];
  if (hc.status == CredentialStatus::Failed && first_failure_.empty()) first_failure_ = hc.reason;
  auto& sample = hc.status == CredentialStatus::Success ? successes_ : problems_;
  if (sample.size() < kSampleHosts) sample.push_back(hc);
  last_ = std::move(hc);
  if (observer_) observer_(last_);
}

ScanVerdict ScanValidator::verdict() const {
  if (supplied_ != CredentialsSupplied::Yes) return {};
  const long long success = count(CredentialStatus::Success);
  const long long partial = count(CredentialStatus::Partial);
  const long long failed = count(CredentialStatus::Failed);
  if (success + partial > 0) return {};
  ScanVerdict v;
  v.ok = false;
  if (hosts_ == 0) {
    v.message = "the authenticated scan found no live host, so no login was attempted";
    v.hint = "check that the targets are up and reachable from the scanner (firewalls, ping)";
  } else if (failed > 0) {
    v.message = "the credentials did not work on any host (" + std::to_string(failed) + " of " +
                std::to_string(hosts_) + " refused the login): " + first_failure_;
    v.hint =
        "check the username and password of the credential profile, that the account may "
        "log in over SSH with a password, and that SSH (port 22) is reachable from the "
        "scanner";
  } else {
    v.message = "no host reported whether the credentials worked";
    v.hint =
        "the hosts may not have been scanned; check that they are up and that SSH is "
        "reachable from the scanner";
  }
  return v;
}

json ScanValidator::summary() const {
  const long long credentialed =
      count(CredentialStatus::Success) + count(CredentialStatus::Partial);
  std::vector<std::pair<int, std::pair<std::string, long long>>> top(plugin_counts_.begin(),
                                                                     plugin_counts_.end());
  std::sort(top.begin(), top.end(), [this](const auto& a, const auto& b) {
    const int sa = plugin_severity_.at(a.first), sb = plugin_severity_.at(b.first);
    if (sa != sb) return sa > sb;
    if (a.second.second != b.second.second) return a.second.second > b.second.second;
    return a.first < b.first;
  });
  json plugins = json::array();
  for (std::size_t i = 0; i < top.size() && i < kTopPlugins; ++i) {
    plugins.push_back({{"plugin_id", top[i].first},
                       {"name", top[i].second.first},
                       {"severity", plugin_severity_.at(top[i].first)},
                       {"count", top[i].second.second}});
  }
  return {{"scan_name", info_.scan_name},
          {"policy_name", info_.policy_name},
          {"hosts", hosts_},
          {"findings", findings_},
          {"severity",
           {{"critical", severities_.critical},
            {"high", severities_.high},
            {"medium", severities_.medium},
            {"low", severities_.low},
            {"info", severities_.info}}},
          {"credentialed_hosts", credentialed},
          {"top_plugins", plugins}};
}

json ScanValidator::validation() const {
  auto host_json = [](const HostCredential& h) {
    json j = {{"host", h.host}, {"status", to_string(h.status)}};
    if (!h.account.empty()) j["account"] = h.account;
    if (!h.protocol.empty()) j["protocol"] = h.protocol;
    if (!h.reason.empty()) j["reason"] = h.reason;
    return j;
  };
  // The sample: problems first (they say what to fix), then successes, at most kSampleHosts.
  json hosts = json::array();
  for (const auto* group : {&problems_, &successes_}) {
    for (const auto& h : *group) {
      if (hosts.size() < kSampleHosts) hosts.push_back(host_json(h));
    }
  }
  json warnings = json::array();
  long long warnings_total = 0;
  if (supplied_ == CredentialsSupplied::Yes) {
    warnings_total = hosts_ - count(CredentialStatus::Success);
    for (const auto& h : problems_) {
      warnings.push_back(h.host + ": " + std::string(to_string(h.status)) +
                         (h.reason.empty() ? "" : " (" + h.reason + ")"));
    }
  }
  std::string overall = "not_applicable";
  if (supplied_ == CredentialsSupplied::Unknown) {
    const long long in = count(CredentialStatus::Success) + count(CredentialStatus::Partial);
    if (in > 0) overall = in == hosts_ ? "success" : "partial";
  } else if (supplied_ == CredentialsSupplied::Yes) {
    const auto v = verdict();
    const bool any_problem = count(CredentialStatus::Partial) + count(CredentialStatus::Failed) > 0;
    overall = !v.ok ? "failed" : any_problem ? "partial" : "success";
  }
  json counts = json::object();
  for (auto s : {CredentialStatus::Success, CredentialStatus::Partial, CredentialStatus::Failed,
                 CredentialStatus::NotApplicable, CredentialStatus::Unknown}) {
    counts[std::string(to_string(s))] = count(s);
  }
  json v = {{"credentials", overall}, {"counts", counts},     {"hosts_total", hosts_},
            {"hosts", hosts},         {"warnings", warnings}, {"warnings_total", warnings_total}};
  return v;
}

}  // namespace nmcp::scanners
