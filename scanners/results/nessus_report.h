#pragma once
// What a .nessus (NessusClientData_v2) export holds, as plain values handed out by the
// streaming parser: the report (scan and policy names), each host with its properties, and
// each finding (ReportItem) with all its attributes and children. Repeated children (cve, bid,
// xref, cwe, see_also, cpe, ...) keep every value in document order. Pure values.

#include <cstddef>
#include <map>
#include <span>
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

struct ReportField {
  std::string name;
  std::string value;
};

// One finding. Attributes and child elements are kept in document order, repeated children
// (cve, bid, xref, ...) once per occurrence. The parser reuses one ReportItem for every finding,
// so its storage is allocated once, not per finding.
class ReportItem {
 public:
  int plugin_id = 0;
  int severity = 0;  // 0 info .. 4 critical; authoritative over risk_factor
  int port = 0;
  std::string protocol;
  std::string svc_name;
  std::string plugin_name;
  std::string plugin_family;

  std::span<const ReportField> attributes() const { return {attributes_.data(), attribute_count_}; }
  std::span<const ReportField> children() const { return {children_.data(), child_count_}; }
  // The attribute's value, or "" when absent.
  const std::string& attribute(std::string_view name) const;
  // The first value of a child element, or "" when absent.
  const std::string& first(std::string_view child) const;
  // Every value of a child element, in document order.
  std::vector<std::string> all(std::string_view child) const;

  // For the parser: start over, and append fields (their strings keep their capacity).
  void reset();
  ReportField& add_attribute();
  ReportField& add_child();

 private:
  std::vector<ReportField> attributes_, children_;
  std::size_t attribute_count_ = 0, child_count_ = 0;
};

// Nessus Scan Information: per host, how the scan ran (credentials, plugin feed, timing).
inline constexpr int kScanInformationPlugin = 19506;

// The severity a finding counts with, 0 to 4: Nessus Scan Information is never a finding (it
// reports as a hole when the feed is old), and a value out of range is brought into it. The one
// rule for the index and the scan's summary.
inline int effective_severity(const ReportItem& item) {
  if (item.plugin_id == kScanInformationPlugin) return 0;
  return item.severity < 0 ? 0 : item.severity > 4 ? 4 : item.severity;
}

}  // namespace nmcp::scanners
