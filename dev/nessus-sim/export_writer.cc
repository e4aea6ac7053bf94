#include "dev/nessus-sim/export_writer.h"

#include <array>
#include <cstdio>

#include "dev/nessus-sim/plugin_catalogue.h"

namespace nessus_sim {
namespace {

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string ctime_string(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  // Nessus writes ctime style with a space-padded day: "Fri Nov  7 13:25:52 2025".
  std::strftime(buf.data(), buf.size(), "%a %b %e %H:%M:%S %Y", &tm);
  return buf.data();
}

class Writer {
 public:
  explicit Writer(const std::function<bool(std::string_view)>& out) : out_(out) {}
  bool put(std::string_view s) {
    if (!ok_) return false;
    buffer_ += s;
    if (buffer_.size() >= 64 * 1024) flush();
    return ok_;
  }
  void flush() {
    if (ok_ && !buffer_.empty()) ok_ = out_(buffer_);
    buffer_.clear();
  }
  bool ok() const { return ok_; }

 private:
  const std::function<bool(std::string_view)>& out_;
  std::string buffer_;
  bool ok_ = true;
};

void tag(Writer& w, const char* name, const std::string& value) {
  w.put("<tag name=\"");
  w.put(name);
  w.put("\">");
  w.put(xml_escape(value));
  w.put("</tag>\n");
}

void element(Writer& w, const char* name, const std::string& value) {
  w.put("<");
  w.put(name);
  w.put(">");
  w.put(xml_escape(value));
  w.put("</");
  w.put(name);
  w.put(">\n");
}

struct ItemContext {
  const SimHost& host;
  const ExportSpec& spec;
  int port_offset;
};

void report_item(Writer& w, const Plugin& p, const ItemContext& c, const std::string& output) {
  const int port = p.port == 0 ? 0 : p.port + c.port_offset;
  w.put("<ReportItem port=\"" + std::to_string(port) + "\" svc_name=\"" + p.svc + "\" protocol=\"" +
        p.proto + "\" severity=\"" + std::to_string(p.severity) + "\" pluginID=\"" +
        std::to_string(p.id) + "\" pluginName=\"" + xml_escape(p.name) + "\" pluginFamily=\"" +
        xml_escape(p.family) + "\">\n");
  element(w, "description", p.description);
  element(w, "fname", "sim_" + std::to_string(p.id) + ".nasl");
  element(w, "plugin_modification_date", "2026/10/01");
  element(w, "plugin_name", p.name);
  element(w, "plugin_publication_date", "2024/07/02");
  element(w, "plugin_type", p.port == 0 && p.severity > 0 ? "local" : "remote");
  element(w, "risk_factor", p.risk);
  element(w, "script_version", "1.12");
  element(w, "solution", p.solution);
  element(w, "synopsis", p.synopsis);
  if (p.cvss2 != nullptr) {
    element(w, "cvss_base_score", p.cvss2);
    element(w, "cvss_vector", p.cvss2_vector);
  }
  if (p.cvss3 != nullptr) {
    element(w, "cvss3_base_score", p.cvss3);
    element(w, "cvss3_vector", p.cvss3_vector);
  }
  for (const char* cve : p.cves) element(w, "cve", cve);
  if (!p.cves.empty()) {
    element(w, "xref", "IAVA:2024-A-0001");
    element(w, "see_also",
            "https://nvd.nist.gov/vuln/detail/" + std::string(p.cves.front()) +
                "\nhttps://www.tenable.com/plugins/nessus/" + std::to_string(p.id));
    element(w, "cwe", "CWE-20");
  }
  if (p.severity > 0) element(w, "exploit_available", p.exploit ? "true" : "false");
  if (p.exploit) element(w, "exploit_framework_metasploit", "true");
  if (!output.empty()) element(w, "plugin_output", output);
  w.put("</ReportItem>\n");
}

std::string fill(const char* templ, const ItemContext& c) {
  std::string s = templ == nullptr ? "" : templ;
  s = replace_all(std::move(s), "{host}", c.host.ip);
  s = replace_all(std::move(s), "{user}", c.spec.ssh_user);
  s = replace_all(std::move(s), "{escalation}", c.spec.escalation_method);
  s = replace_all(std::move(s), "{wuser}", c.spec.creds.windows_user);
  s = replace_all(std::move(s), "{suser}", c.spec.creds.snmp_user);
  s = replace_all(std::move(s), "{hash}", std::to_string(c.host.hash % 100000));
  if (c.spec.creds.ssh_auth != "password" && !c.spec.creds.ssh_failure.empty()) {
    // A key or certificate refused: the host's own words, not the password method's.
    s = replace_all(std::move(s),
                    "Credentialed checks of Unix systems require that the 'password' method be "
                    "allowed.\nAuthentication failed for user '" +
                        c.spec.ssh_user + "'.",
                    c.spec.creds.ssh_failure + ".");
    s = replace_all(std::move(s), "Authentication failed for user '" + c.spec.ssh_user + "' via",
                    c.spec.creds.ssh_failure + " for user '" + c.spec.ssh_user + "' via");
  }
  return s;
}

bool windows_local_checks(const SimHost& h, const ExportSpec& spec) {
  return spec.creds.windows == WindowsOutcome::Admin &&
         (!h.registry_stopped || spec.creds.start_remote_registry);
}

// The value of 19506's "Credentialed checks :" line for this host.
std::string credentialed_line(const SimHost& h, const ExportSpec& spec) {
  switch (h.kind) {
    case HostKind::Windows:
      if (!windows_local_checks(h, spec)) return "no";
      // Real scanners also print the form whose closing parenthesis is missing.
      return h.hash % 4U == 0U ? "yes (as '" + spec.creds.windows_user + "' via SMB"
                               : "yes, as '" + spec.creds.windows_user + "' via SMB";
    case HostKind::NetworkDevice:
      return spec.creds.snmp == SnmpOutcome::Success ? "yes, via SNMP" : "no";
    case HostKind::Linux:
      break;
  }
  return spec.credentials == CredentialOutcome::Success ||
                 spec.credentials == CredentialOutcome::EscalationFailed
             ? "yes, as '" + spec.ssh_user + "' via ssh"
             : "no";
}

std::string scan_information(const ExportSpec& spec, const std::string& credentialed) {
  std::string s =
      "Information about this scan : \n\nNessus version : 10.8.3\nNessus build : 20010\n"
      "Plugin feed version : 202611220000\nScanner edition used : ";
  s += spec.edition == "essentials" ? "Nessus Home" : "Nessus";
  s += "\nScanner OS : LINUX\nScanner distribution : ubuntu1404-x86-64\nScan type : Normal\n"
       "Scan name : " +
       spec.scan_name + "\nScan policy used : " + spec.policy_name +
       "\nScanner IP : 10.0.0.5\nPort scanner(s) : nessus_syn_scanner \nPort range : default\n"
       "Ping RTT : 0.532 ms\nThorough tests : no\nExperimental tests : no\n"
       "Scan for Unpatched Vulnerabilities : no\nPlugin debugging enabled : no\n"
       "Paranoia level : 1\nReport verbosity : 1\nSafe checks : yes\nOptimize the test : yes\n"
       "Credentialed checks : " +
       credentialed + "\n";
  if (credentialed != "no") s += "Attempt Least Privilege : no\n";
  s += "Patch management checks : None\nDisplay superseded patches : yes (supersedence plugin "
       "launched)\n"
       "CGI scanning : disabled\nWeb application tests : disabled\nMax hosts : 30\nMax checks : 4\n"
       "Recv timeout : 5\nBackports : None\nAllow post-scan editing : Yes\n"
       "Nessus Plugin Signature Checking : Enabled\nAudit File Signature Checking : Disabled\n"
       "Scan duration : " +
       std::to_string(spec.end - spec.start) + " sec\nScan for malware : no\n";
  return s;
}

void host_properties(Writer& w, const SimHost& h, const ExportSpec& spec) {
  w.put("<HostProperties>\n");
  tag(w, "HOST_END_TIMESTAMP", std::to_string(spec.end));
  tag(w, "HOST_END", ctime_string(spec.end));
  switch (h.kind) {
    case HostKind::Windows:
      tag(w, "operating-system", "Microsoft Windows Server 2019 Standard");
      tag(w, "operating-system-method", "SMB");
      tag(w, "system-type", "general-purpose");
      tag(w, "netbios-name", "WIN-" + std::to_string(h.hash % 100000));
      break;
    case HostKind::NetworkDevice:
      tag(w, "operating-system", "Cisco IOS XE 17.3");
      tag(w, "operating-system-method", "SNMP");
      tag(w, "system-type", "router");
      break;
    case HostKind::Linux:
      tag(w, "operating-system", "Linux Kernel 5.15.0-97-generic on Ubuntu 22.04");
      tag(w, "operating-system-method", "SSH");
      tag(w, "system-type", "general-purpose");
      break;
  }
  tag(w, "host-ip", h.ip);
  if (!h.fqdn.empty()) tag(w, "host-fqdn", h.fqdn);
  tag(w, "mac-address",
      "00:50:56:" + std::to_string(10 + h.hash % 89) + ":" +
          std::to_string(10 + (h.hash >> 8U) % 89) + ":" +
          std::to_string(10 + (h.hash >> 16U) % 89));
  const bool credentialed = credentialed_line(h, spec) != "no";
  tag(w, "Credentialed_Scan", credentialed ? "true" : "false");
  tag(w, credentialed ? "LastAuthenticatedResults" : "LastUnauthenticatedResults",
      std::to_string(spec.end));
  if (credentialed && h.kind == HostKind::Linux) {
    tag(w, "ssh-login-used", spec.ssh_user);
    tag(w, "local-checks-proto", "ssh");
  } else if (credentialed && h.kind == HostKind::Windows) {
    tag(w, "smb-login-used", spec.creds.windows_user);
    tag(w, "local-checks-proto", "smb");
  } else if (credentialed) {
    tag(w, "local-checks-proto", "snmp");
  }
  tag(w, "HOST_START_TIMESTAMP", std::to_string(spec.start));
  tag(w, "HOST_START", ctime_string(spec.start));
  w.put("</HostProperties>\n");
}

// Calls `visit` for every finding of a host except 19506, in document order; stops when it
// returns false.
bool visit_windows(const SimHost& h, const ExportSpec& spec,
                   const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  std::vector<const Plugin*> plugins;
  switch (spec.creds.windows) {
    case WindowsOutcome::Admin:
      plugins = windows_local_checks(h, spec)
                    ? std::vector<const Plugin*>{&kSmbLogin, &kSmbValid, &kSmbPatchAssessment}
                    : std::vector<const Plugin*>{&kSmbLogin, &kSmbNoRegistry};
      break;
    case WindowsOutcome::NotAdmin:
      plugins = {&kSmbLogin, &kSmbNotAdmin, &kSmbNoRegistry};
      break;
    case WindowsOutcome::LoginFailed:
      plugins = {&kSmbFailed, &kSmbLocalFailed};
      break;
    case WindowsOutcome::None:
      break;
  }
  for (const auto& p : windows_network_catalogue()) plugins.push_back(&p);
  if (windows_local_checks(h, spec)) {
    for (const auto& p : windows_local_catalogue()) plugins.push_back(&p);
  }
  for (const Plugin* p : plugins) {
    if (!visit(*p, base)) return false;
  }
  return true;
}

bool visit_device(const SimHost& h, const ExportSpec& spec,
                  const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  std::vector<const Plugin*> plugins;
  if (spec.creds.snmp == SnmpOutcome::Success) plugins = {&kSnmpPatchAssessment};
  if (spec.creds.snmp == SnmpOutcome::Restricted) plugins = {&kSnmpValid, &kSnmpInsufficient};
  if (spec.creds.snmp == SnmpOutcome::LoginFailed) plugins = {&kSnmpFailed};
  for (const auto& p : device_network_catalogue()) plugins.push_back(&p);
  if (spec.creds.snmp == SnmpOutcome::Success) plugins.push_back(&kCiscoIos);
  for (const Plugin* p : plugins) {
    if (!visit(*p, base)) return false;
  }
  return true;
}

void visit_findings(const SimHost& h, const ExportSpec& spec,
                    const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  if (h.kind == HostKind::Windows) {
    visit_windows(h, spec, visit);
    return;
  }
  if (h.kind == HostKind::NetworkDevice) {
    visit_device(h, spec, visit);
    return;
  }
  switch (spec.credentials) {
    case CredentialOutcome::LoginFailed:
      if (!visit(kLoginFailed, base) || !visit(kLocalChecksFailed, base)) return;
      break;
    case CredentialOutcome::EscalationFailed:
      if (!visit(kInsufficientPrivilege, base) || !visit(kNeedsEscalation, base)) return;
      break;
    default:
      break;
  }
  const auto& net = network_catalogue();
  // Every host gets the findings its hash selects: the critical Log4Shell only on a third of
  // them, so severity counts differ between hosts. In network epoch e (the e-th rescan of the
  // same targets, with --network-drift) the host's first e vulnerabilities on a network service
  // are fixed and the same flaws show on services that appeared on other ports: each rescan, one
  // fixed and one new, until the host has no more to change.
  auto drifts = [](const Plugin& p) { return p.severity > 0 && p.port != 0; };
  constexpr int kNewServicePorts = 30000;  // far above the rounds' offsets (1000 per round)
  std::vector<const Plugin*> moved;
  int written = 0;
  for (int i = 0; written < spec.findings_per_host; ++i) {
    const Plugin& p = net[static_cast<std::size_t>(i) % net.size()];
    const int round = i / static_cast<int>(net.size());
    if (p.severity == 4 && (h.hash % 3U) != 0U && round == 0) continue;
    ++written;
    if (round == 0 && drifts(p) && static_cast<int>(moved.size()) < spec.network_epoch) {
      moved.push_back(&p);
      continue;
    }
    if (!visit(p, ItemContext{h, spec, round * 1000})) return;
  }
  for (const Plugin* p : moved) {
    if (!visit(*p, ItemContext{h, spec, kNewServicePorts})) return;
  }
  if (spec.credentials == CredentialOutcome::Success ||
      spec.credentials == CredentialOutcome::EscalationFailed) {
    for (const auto& p : local_catalogue()) {
      // Without escalation only the login plugins report; local vulnerability checks need root.
      if (spec.credentials == CredentialOutcome::EscalationFailed && p.severity > 0) continue;
      if (!visit(p, base)) return;
    }
  }
}

void host(Writer& w, const SimHost& h, const ExportSpec& spec, bool break_xml) {
  w.put("<ReportHost name=\"" + xml_escape(h.name) + "\">");
  host_properties(w, h, spec);
  const ItemContext base{h, spec, 0};
  const Plugin info = {
      19506,
      0,
      "Nessus Scan Information",
      "Settings",
      0,
      "general",
      "tcp",
      "None",
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      {},
      false,
      "This plugin displays information about the Nessus scan.",
      "This plugin displays, for each tested host, information about the scan itself.",
      "n/a",
      nullptr};
  std::string information = scan_information(spec, credentialed_line(h, spec));
  if (!spec.plugin_output_note.empty()) {
    information += "\nFound in a configuration file: " + spec.plugin_output_note + "\n";
  }
  report_item(w, info, base, information);
  if (break_xml) w.put("<ReportItem port=\"0\" <broken attribute></ReportItem>\n");
  visit_findings(h, spec, [&](const Plugin& p, const ItemContext& c) {
    report_item(w, p, c, fill(p.output, c));
    return w.ok();
  });
  w.put("</ReportHost>\n");
}

}  // namespace

SeverityCounts count_findings(const SimHost& host, const ExportSpec& spec) {
  SeverityCounts counts;
  counts.info = 1;  // 19506
  visit_findings(host, spec, [&](const Plugin& p, const ItemContext&) {
    int* slot[] = {&counts.info, &counts.low, &counts.medium, &counts.high, &counts.critical};
    ++*slot[p.severity];
    return true;
  });
  return counts;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void write_export(const ExportSpec& spec, const std::string& mode,
                  const std::function<bool(std::string_view)>& out) {
  Writer w(out);
  w.put("<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Policy><policyName>");
  w.put(xml_escape(spec.policy_name));
  w.put("</policyName>\n<Preferences><ServerPreferences>\n");
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"TARGET", spec.targets},
           {"scan_name", spec.scan_name},
           {"whoami", "admin"},
           {"scan_start_timestamp", std::to_string(spec.start)},
           {"scan_end_timestamp", std::to_string(spec.end)},
           {"max_hosts", "30"},
           {"max_checks", "4"},
           {"safe_checks", "yes"}}) {
    w.put("<preference><name>" + xml_escape(name) + "</name><value>" + xml_escape(value) +
          "</value></preference>\n");
  }
  w.put(
      "</ServerPreferences>\n<PluginsPreferences></PluginsPreferences></Preferences>\n</Policy>\n");
  w.put("<Report name=\"" + xml_escape(spec.scan_name) +
        "\" xmlns:cm=\"http://www.nessus.org/cm\">\n");
  const std::size_t cut = mode == "truncated" ? (spec.hosts.size() + 1) / 2 : spec.hosts.size();
  for (std::size_t i = 0; i < spec.hosts.size() && w.ok(); ++i) {
    if (i == cut) {
      w.put("<ReportHost name=\"" + xml_escape(spec.hosts[i].name) +
            "\"><HostProperties>\n<tag name=\"HOST_E");
      w.flush();
      return;  // the document stops mid-element, as an interrupted download would
    }
    host(w, spec.hosts[i], spec, mode == "malformed" && i == 0);
  }
  if (mode == "truncated" && spec.hosts.size() == 1) {
    w.flush();
    return;
  }
  w.put("</Report>\n</NessusClientData_v2>\n");
  w.flush();
}

}  // namespace nessus_sim
