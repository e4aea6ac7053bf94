#pragma once
// What a .nessus (NessusClientData_v2) export holds, as plain values handed out by the
// streaming parser: the report (scan and policy names), each host with its properties, and
// each finding (ReportItem) with all its attributes and children. Repeated children (cve, bid,
// xref, cwe, see_also, cpe, ...) keep every value in document order. Pure values.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::scanners {

struct ReportInfo {
  std::string scan_name;    // <Report name="...">
  std::string policy_name;  // <Policy><policyName>
};

struct ReportHost {
  std::string name;                               // <ReportHost name="...">
  std::map<std::string, std::string> properties;  // HostProperties tags

  // The tag's value, or "" when absent.
  const std::string& property(const std::string& tag) const;
};

struct ReportItem {
  int plugin_id = 0;
  int severity = 0;  // 0 info .. 4 critical; authoritative over risk_factor
  int port = 0;
  std::string protocol;
  std::string svc_name;
  std::string plugin_name;
  std::string plugin_family;
  std::map<std::string, std::string> attributes;             // every attribute as written
  std::map<std::string, std::vector<std::string>> children;  // element name -> values

  // The first value of a child element, or "" when absent.
  const std::string& first(const std::string& child) const;
};

}  // namespace nmcp::scanners
