#include "scanners/results/scan_validation.h"

#include <algorithm>
#include <cctype>

#include "core/base/text.h"
#include "scanners/results/credential_evidence.h"

namespace nmcp::scanners {

using evidence::credential_failure_reason;
using evidence::protocol_after_using;
using evidence::protocols_in;
using evidence::read_scan_info;
using evidence::value_of;
using nlohmann::json;

namespace {

constexpr std::size_t kTopPlugins = 10;

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

std::string_view to_string(CredentialProtocol p) {
  switch (p) {
    case CredentialProtocol::Ssh:
      return "ssh";
    case CredentialProtocol::Windows:
      return "windows";
    case CredentialProtocol::Snmpv3:
      return "snmpv3";
  }
  return "ssh";
}

std::optional<CredentialProtocol> protocol_named(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "ssh") return CredentialProtocol::Ssh;
  if (n == "smb" || n == "windows" || n == "cifs") return CredentialProtocol::Windows;
  if (n == "snmp" || n == "snmpv3") return CredentialProtocol::Snmpv3;
  return std::nullopt;
}

namespace {

std::size_t at(CredentialProtocol p) { return static_cast<std::size_t>(p); }

// Higher is better: a host's overall outcome is its best protocol's.
int rank(CredentialStatus s) {
  switch (s) {
    case CredentialStatus::Success:
      return 4;
    case CredentialStatus::Partial:
      return 3;
    case CredentialStatus::Failed:
      return 2;
    case CredentialStatus::Unknown:
      return 1;
    case CredentialStatus::NotApplicable:
      return 0;
  }
  return 0;
}

constexpr const char* kNoScanInfo =
    "no scan information for this host (it may not have been scanned)";
constexpr const char* kSaidNo = "Nessus reported no credentialed checks";

}  // namespace

json protocols_json(const HostCredential& host) {
  json per = json::array();
  for (const auto& o : host.protocols) {
    json p = {{"protocol", to_string(o.protocol)}, {"status", to_string(o.status)}};
    if (!o.account.empty()) p["account"] = o.account;
    if (!o.reason.empty()) p["reason"] = o.reason;
    per.push_back(std::move(p));
  }
  return per;
}

ScanValidator::ScanValidator(SuppliedCredentials supplied)
    : supplied_(supplied.supplied), protocols_(std::move(supplied.protocols)) {}

void ScanValidator::on_host(const ReportHost& host) {
  current_ = HostState{};
  const std::string tag = ascii_lower(host.property("Credentialed_Scan"));
  if (tag == "true") current_.tag = true;
  if (tag == "false") current_.tag = false;
}

ScanValidator::Evidence* ScanValidator::evidence_for(std::string_view protocol_name) {
  const auto p = protocol_named(protocol_name);
  if (!p) return nullptr;
  Evidence* e = &current_.by_protocol[at(*p)];
  e->seen = true;
  return e;
}

void ScanValidator::on_item(const ReportHost&, const ReportItem& item) {
  const auto output = [&item]() -> const std::string& { return item.first("plugin_output"); };
  switch (item.plugin_id) {
    case kScanInformationPlugin: {
      read_scan_info(output(), current_.line_yes, current_.account, current_.protocol);
      if (current_.line_yes.value_or(false) && !current_.protocol.empty()) {
        if (Evidence* e = evidence_for(current_.protocol)) {
          e->logged_in = e->full = true;
          if (e->account.empty()) e->account = current_.account;
        }
      }
      break;
    }
    case 117887: {  // OS Security Patch Assessment Available: Account, Protocol
      Evidence* e = evidence_for(value_of(output(), "protocol"));
      if (e == nullptr) {
        current_.login_ok_plugin = true;
        break;
      }
      e->logged_in = e->full = true;
      if (e->account.empty()) e->account = value_of(output(), "account");
      break;
    }
    case 141118: {  // Valid Credentials Provided: "... as <user> using <PROTO>."
      Evidence* e = evidence_for(protocol_after_using(output()));
      if (e == nullptr) {
        current_.login_ok_plugin = true;
        break;
      }
      e->logged_in = true;
      break;
    }
    case 10394: {
      // Microsoft Windows SMB Log In Possible. Only "The SMB tests will be done as 'X'" is a
      // login with the supplied account; NULL sessions and Guest logins are not.
      Evidence* e = evidence_for("windows");
      const std::string& out = output();
      const auto as = out.find("will be done as '");
      if (as != std::string::npos) {
        e->logged_in = true;
        const auto begin = as + 17;
        const auto close = out.find('\'', begin);
        if (close != std::string::npos && e->account.empty())
          e->account = out.substr(begin, close - begin);
      }
      break;
    }
    case 24786: {  // Nessus Windows Scan Not Performed with Admin Privileges
      Evidence* e = evidence_for("windows");
      e->missing =
          "administrator rights: the account is not a local administrator on this host "
          "(Nessus could not reach ADMIN$), so patch checks did not run";
      break;
    }
    case 26917: {  // Nessus Cannot Access the Windows Registry
      Evidence* e = evidence_for("windows");
      if (e->missing.empty()) {
        e->missing =
            "access to the remote registry: start the Remote Registry service on the host, or "
            "set start_remote_registry: true in the credential profile";
      }
      break;
    }
    case 104410:
    case 21745: {
      const std::string detail = credential_failure_reason(output(), item.plugin_name);
      bool placed = false;
      for (const auto& proto : protocols_in(output())) {
        if (Evidence* e = evidence_for(proto)) {
          e->refused = true;
          if (e->refused_detail.empty()) e->refused_detail = detail;
          placed = true;
        }
      }
      if (!placed) {
        current_.refused = true;
        if (current_.refused_detail.empty()) current_.refused_detail = detail;
      }
      break;
    }
    case 110385: {  // Insufficient Privilege, per protocol
      auto protos = protocols_in(output());
      if (protos.empty()) protos.emplace_back("ssh");
      for (const auto& proto : protos) {
        Evidence* e = evidence_for(proto);
        if (e == nullptr) continue;
        const auto p = protocol_named(proto);
        e->missing = p == CredentialProtocol::Windows ? "administrator rights for local checks"
                     : p == CredentialProtocol::Snmpv3
                         ? "read access to the MIB views local checks need (the SNMPv3 user's "
                           "view or security level is too narrow)"
                         : "privilege escalation failed: local checks ran without full "
                           "privileges";
      }
      break;
    }
    case 102094: {  // SSH Commands Require Privilege Escalation
      Evidence* e = evidence_for("ssh");
      if (e->missing.empty())
        e->missing = "privilege escalation failed: local checks ran without full privileges";
      break;
    }
    default:
      break;
  }
  const int severity = effective_severity(item);
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

bool ScanValidator::supplied(CredentialProtocol p) const {
  return std::find(protocols_.begin(), protocols_.end(), p) != protocols_.end();
}

std::vector<CredentialProtocol> ScanValidator::protocols_to_report(const HostState& s) const {
  if (supplied_ == CredentialsSupplied::Yes && !protocols_.empty()) return protocols_;
  std::vector<CredentialProtocol> seen;
  for (auto p :
       {CredentialProtocol::Ssh, CredentialProtocol::Windows, CredentialProtocol::Snmpv3}) {
    if (s.by_protocol[at(p)].seen) seen.push_back(p);
  }
  return seen;
}

ProtocolOutcome ScanValidator::outcome_of(CredentialProtocol p, const HostState& s,
                                          bool only_one) const {
  const Evidence& e = s.by_protocol[at(p)];
  const bool said_no = (s.tag && !*s.tag) || (s.line_yes && !*s.line_yes);
  const bool generic_yes = s.tag.value_or(false) || s.line_yes.value_or(false) || s.login_ok_plugin;
  ProtocolOutcome o;
  o.protocol = p;
  o.account = e.account;
  if (e.refused && !e.logged_in) {
    o.status = CredentialStatus::Failed;
    o.reason = e.refused_detail;
  } else if (e.logged_in && !e.missing.empty()) {
    o.status = CredentialStatus::Partial;
    o.reason = "logged in, but " + e.missing;
  } else if (e.full || (e.logged_in && !said_no)) {
    o.status = CredentialStatus::Success;
  } else if (e.logged_in) {
    o.status = CredentialStatus::Partial;
    o.reason = p == CredentialProtocol::Windows
                   ? "logged in over SMB, but local checks did not run: the account likely lacks "
                     "administrator rights, or the remote registry is not reachable"
                   : "logged in, but local checks did not run";
  } else if (only_one && generic_yes) {
    o.status = CredentialStatus::Success;
  } else if (only_one && (s.refused || said_no)) {
    o.status = CredentialStatus::Failed;
    o.reason = s.refused ? s.refused_detail : kSaidNo;
  } else if (only_one && !e.seen) {
    o.status = CredentialStatus::Unknown;
    o.reason = kNoScanInfo;
  } else {
    o.status = CredentialStatus::NotApplicable;
    o.reason = "no sign of " + std::string(to_string(p)) + " on this host";
  }
  if (o.account.empty() && o.status != CredentialStatus::NotApplicable &&
      (only_one || protocol_named(s.protocol) == p)) {
    o.account = s.account;
  }
  return o;
}

void ScanValidator::on_host_end(const ReportHost& host) {
  HostCredential hc;
  hc.host = host.name;
  hc.account = current_.account;
  hc.protocol = current_.protocol;
  const HostState& s = current_;
  const bool logged_in = s.tag.value_or(false) || s.line_yes.value_or(false) || s.login_ok_plugin;
  const bool said_no = (s.tag && !*s.tag) || (s.line_yes && !*s.line_yes);
  const auto protos = supplied_ == CredentialsSupplied::No ? std::vector<CredentialProtocol>{}
                                                           : protocols_to_report(s);
  if (supplied_ == CredentialsSupplied::No) {
    hc.status = CredentialStatus::NotApplicable;
  } else if (!protos.empty()) {
    for (const auto p : protos) {
      hc.protocols.push_back(outcome_of(p, s, protos.size() == 1));
    }
    std::size_t best_at = 0;
    for (std::size_t i = 1; i < hc.protocols.size(); ++i) {
      if (rank(hc.protocols[i].status) > rank(hc.protocols[best_at].status)) best_at = i;
    }
    const ProtocolOutcome best = hc.protocols[best_at];
    if (best.status == CredentialStatus::NotApplicable) {
      // No protocol showed itself: what the host as a whole says decides.
      if (s.refused || said_no) {
        hc.status = supplied_ == CredentialsSupplied::Unknown && !s.refused
                        ? CredentialStatus::NotApplicable
                        : CredentialStatus::Failed;
        hc.reason = s.refused ? s.refused_detail : kSaidNo;
      } else if (logged_in) {
        hc.status = CredentialStatus::Success;
      } else {
        hc.status = CredentialStatus::Unknown;
        hc.reason = kNoScanInfo;
      }
    } else {
      hc.status = best.status;
      hc.reason = best.reason;
      if (!best.account.empty()) hc.account = best.account;
      if (protocol_named(hc.protocol) != best.protocol && best.status != CredentialStatus::Unknown)
        hc.protocol = std::string(to_string(best.protocol));
    }
  } else if (supplied_ == CredentialsSupplied::Unknown && !logged_in && !s.refused) {
    hc.status = said_no ? CredentialStatus::NotApplicable : CredentialStatus::Unknown;
    if (!said_no) hc.reason = kNoScanInfo;
  } else if (logged_in) {
    hc.status = CredentialStatus::Success;
  } else if (s.refused || said_no) {
    hc.status = CredentialStatus::Failed;
    hc.reason = s.refused ? s.refused_detail : kSaidNo;
  } else {
    hc.status = CredentialStatus::Unknown;
    hc.reason = kNoScanInfo;
  }
  ++hosts_;
  ++outcomes_[static_cast<std::size_t>(hc.status)];
  for (const auto& o : hc.protocols) {
    protocol_reported_[at(o.protocol)] = true;
    ++protocol_outcomes_[at(o.protocol)][static_cast<std::size_t>(o.status)];
    if (o.status == CredentialStatus::Failed) ++protocol_failures_[at(o.protocol)];
  }
  for (const auto p : protocols_) protocol_reported_[at(p)] = true;
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
  // The hint speaks of the protocol that failed most (a Windows-only profile: Windows).
  CredentialProtocol worst = protocols_.empty() ? CredentialProtocol::Ssh : protocols_.front();
  for (auto p :
       {CredentialProtocol::Ssh, CredentialProtocol::Windows, CredentialProtocol::Snmpv3}) {
    if (protocol_failures_[at(p)] > protocol_failures_[at(worst)]) worst = p;
  }
  ScanVerdict v;
  v.ok = false;
  if (hosts_ == 0) {
    v.message = "the authenticated scan found no live host, so no login was attempted";
    v.hint = "check that the targets are up and reachable from the scanner (firewalls, ping)";
    return v;
  }
  if (failed > 0) {
    v.message = "the credentials did not work on any host (" + std::to_string(failed) + " of " +
                std::to_string(hosts_) + " refused the login): " + first_failure_;
  } else {
    v.message = "no host reported whether the credentials worked";
  }
  switch (worst) {
    case CredentialProtocol::Windows:
      v.hint =
          "check the Windows account of the credential profile: that it is not locked out or "
          "expired, that it is a local administrator on the targets (a domain account in their "
          "Administrators group), that the Remote Registry service can run "
          "(start_remote_registry: true), that the hosts' SMB signing requirements allow the "
          "login, and that TCP 445 is open from the scanner through the Windows firewall";
      break;
    case CredentialProtocol::Snmpv3:
      v.hint =
          "check the SNMPv3 user, security level, authentication and privacy algorithms and "
          "passwords of the credential profile against the device, and that UDP 161 is "
          "reachable from the scanner";
      break;
    case CredentialProtocol::Ssh:
      v.hint = failed > 0 ? "check the username and the password or key of the credential "
                            "profile, that the account may log in over SSH that way, and that "
                            "SSH (port 22) is reachable from the scanner"
                          : "the hosts may not have been scanned; check that they are up and "
                            "that SSH is reachable from the scanner";
      break;
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
  json out = {{"scan_name", info_.scan_name},
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
  if (auto by = by_protocol(); !by.empty()) out["credentials_by_protocol"] = std::move(by);
  return out;
}

json ScanValidator::validation() const {
  auto host_json = [](const HostCredential& h) {
    json j = {{"host", h.host}, {"status", to_string(h.status)}};
    if (!h.account.empty()) j["account"] = h.account;
    if (!h.protocol.empty()) j["protocol"] = h.protocol;
    if (!h.reason.empty()) j["reason"] = h.reason;
    if (!h.protocols.empty()) j["protocols"] = protocols_json(h);
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
  if (auto by = by_protocol(); !by.empty()) v["by_protocol"] = std::move(by);
  return v;
}

json ScanValidator::by_protocol() const {
  json out = json::object();
  for (auto p :
       {CredentialProtocol::Ssh, CredentialProtocol::Windows, CredentialProtocol::Snmpv3}) {
    if (!protocol_reported_[at(p)] && !supplied(p)) continue;
    json c = json::object();
    for (auto st : {CredentialStatus::Success, CredentialStatus::Partial, CredentialStatus::Failed,
                    CredentialStatus::NotApplicable, CredentialStatus::Unknown}) {
      c[std::string(to_string(st))] = protocol_outcomes_[at(p)][static_cast<std::size_t>(st)];
    }
    out[std::string(to_string(p))] = std::move(c);
  }
  return out;
}

}  // namespace nmcp::scanners
