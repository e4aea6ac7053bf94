#pragma once
// What the findings index holds, as plain values: a host of a finished scan and one finding
// (a ReportItem), split the way the index stores them. Everything a finding says about its
// plugin (name, family, scores, references, texts) is the same on every host it is found on, so
// it is kept once per distinct plugin text ("plugin variant"); what differs per occurrence
// (host, port, protocol, service, severity, plugin output) stays on the finding. Pure values.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::findings {

// 0 info .. 4 critical. Parses names and digits; nullopt for anything else.
std::optional<int> parse_severity(std::string_view text);
std::string_view severity_name(int severity);

struct HostRecord {
  std::string name;               // <ReportHost name>: an address, a host name or a URL
  std::string ip;                 // host-ip tag, "" when absent
  std::string fqdn;               // host-fqdn
  std::string netbios;            // netbios-name
  std::string os;                 // operating-system
  std::string mac;                // mac-address
  std::string start;              // HOST_START
  std::string end;                // HOST_END
  std::string credential_status;  // success | partial | failed | not_applicable | unknown
  std::string credential_account;
  std::string credential_reason;
  // [{protocol, status, account?, reason?}] as JSON text; "" when no protocol was reported.
  std::string credential_protocols;
  std::map<std::string, std::string> properties;  // every HostProperties tag
};

// The plugin-level part of a finding.
struct PluginVariant {
  int plugin_id = 0;
  std::string name;
  std::string family;
  // Every child element except plugin_output, values in document order, and every ReportItem
  // attribute that is not one of the per-finding ones, as one-element lists under "@name".
  std::map<std::string, std::vector<std::string>> children;
};

struct FindingRecord {
  int port = 0;
  std::string protocol;
  std::string service;
  int severity = 0;  // effective: plugin 19506 is always 0 (docs/nessus-api.md)
  int reported_severity = 0;
  std::string plugin_output;
};

}  // namespace nmcp::findings
