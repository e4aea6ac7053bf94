#include "core/findings/finding_fields.h"

namespace nmcp::findings {

const std::vector<FieldInfo>& all_fields() {
  static const std::vector<FieldInfo> fields = {
      {"finding_id", FieldKind::Number, "stable id of this finding within its scan"},
      {"host", FieldKind::Text, "the ReportHost name (address, host name or URL)"},
      {"host_ip", FieldKind::Text, "the host-ip property"},
      {"host_fqdn", FieldKind::Text, "the host-fqdn property"},
      {"port", FieldKind::Number, "0 for host-level findings"},
      {"protocol", FieldKind::Text, "tcp, udp or icmp"},
      {"service", FieldKind::Text, "svc_name, such as www or ssh"},
      {"plugin_id", FieldKind::Number, "the Nessus plugin id"},
      {"plugin_name", FieldKind::Text, "the plugin's name"},
      {"plugin_family", FieldKind::Text, "the plugin family"},
      {"severity", FieldKind::Number, "0 info, 1 low, 2 medium, 3 high, 4 critical"},
      {"severity_label", FieldKind::Text, "info, low, medium, high or critical"},
      {"risk_factor", FieldKind::Text, "Nessus's CVSS v2 risk factor (may differ from severity)"},
      {"cvss3_base_score", FieldKind::Number, "CVSS v3 base score"},
      {"cvss3_vector", FieldKind::Text, "CVSS v3 vector"},
      {"cvss_base_score", FieldKind::Number, "CVSS v2 base score"},
      {"cvss_vector", FieldKind::Text, "CVSS v2 vector"},
      {"vpr_score", FieldKind::Number, "Tenable VPR score"},
      {"epss_score", FieldKind::Number, "EPSS score"},
      {"exploit_available", FieldKind::Bool, "a public exploit exists"},
      {"cve", FieldKind::List, "CVE ids"},
      {"cwe", FieldKind::List, "CWE ids"},
      {"bid", FieldKind::List, "Bugtraq ids"},
      {"xref", FieldKind::List, "cross references (OSVDB, MSKB, IAVA, ...)"},
      {"cpe", FieldKind::List, "affected CPEs"},
      {"see_also", FieldKind::List, "reference URLs"},
      {"synopsis", FieldKind::LongText, "one-line summary"},
      {"description", FieldKind::LongText, "what the plugin found"},
      {"solution", FieldKind::LongText, "how to fix it"},
      {"plugin_output", FieldKind::LongText, "what the plugin saw on this host"},
      {"plugin_type", FieldKind::Text, "remote, local, combined, summary or settings"},
      {"plugin_publication_date", FieldKind::Text, "YYYY/MM/DD"},
      {"plugin_modification_date", FieldKind::Text, "YYYY/MM/DD"},
      {"vuln_publication_date", FieldKind::Text, "YYYY/MM/DD"},
      {"patch_publication_date", FieldKind::Text, "YYYY/MM/DD"},
      {"other", FieldKind::Object, "every other element and attribute of the ReportItem"},
  };
  return fields;
}

const FieldInfo* find_field(std::string_view name) {
  for (const auto& f : all_fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names = {"minimal", "summary", "brief", "full"};
  return names;
}

std::optional<std::vector<std::string>> profile_fields(std::string_view profile) {
  std::vector<std::string> minimal = {"finding_id",       "host",      "port",
                                      "protocol",         "plugin_id", "severity",
                                      "cvss3_base_score", "cve",       "exploit_available"};
  if (profile == "minimal") return minimal;
  std::vector<std::string> summary = minimal;
  for (const char* f :
       {"plugin_name", "plugin_family", "service", "risk_factor", "cvss_base_score", "synopsis"}) {
    summary.emplace_back(f);
  }
  if (profile == "summary") return summary;
  std::vector<std::string> brief = summary;
  for (const char* f : {"host_ip", "description", "solution", "see_also", "plugin_output"}) {
    brief.emplace_back(f);
  }
  if (profile == "brief") return brief;
  if (profile == "full") {
    std::vector<std::string> all;
    for (const auto& f : all_fields()) all.emplace_back(f.name);
    return all;
  }
  return std::nullopt;
}

}  // namespace nmcp::findings
