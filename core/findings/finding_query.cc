#include "core/findings/finding_query.h"

#include <algorithm>

#include "core/base/text.h"
#include "core/net/ip.h"

namespace nmcp::findings {

namespace {

const std::vector<std::pair<SortField, std::string>>& sort_fields() {
  static const std::vector<std::pair<SortField, std::string>> fields = {
      {SortField::Severity, "severity"},
      {SortField::Cvss3, "cvss3_base_score"},
      {SortField::Cvss2, "cvss_base_score"},
      {SortField::Vpr, "vpr_score"},
      {SortField::Host, "host"},
      {SortField::Port, "port"},
      {SortField::PluginId, "plugin_id"},
      {SortField::PluginName, "plugin_name"},
      {SortField::Family, "plugin_family"}};
  return fields;
}

bool host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == ':' || c == '/' || c == '%' || c == '~' || c == '?' ||
         c == '=' || c == '&' || c == '+';
}

}  // namespace

nlohmann::json FindingFilter::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (severity_min) j["severity_min"] = *severity_min;
  if (severity_max) j["severity_max"] = *severity_max;
  if (!severities.empty()) j["severity"] = severities;
  if (!host.empty()) j["host"] = host;
  if (!ports.empty()) j["port"] = ports;
  if (!protocols.empty()) j["protocol"] = protocols;
  if (!services.empty()) j["service"] = services;
  if (!plugin_ids.empty()) j["plugin_id"] = plugin_ids;
  if (!families.empty()) j["plugin_family"] = families;
  if (!name.empty()) j["plugin_name"] = name;
  if (!cves.empty()) j["cve"] = cves;
  if (cvss3_min) j["cvss3_min"] = *cvss3_min;
  if (cvss3_max) j["cvss3_max"] = *cvss3_max;
  if (cvss2_min) j["cvss2_min"] = *cvss2_min;
  if (cvss2_max) j["cvss2_max"] = *cvss2_max;
  if (exploit_available) j["exploit_available"] = *exploit_available;
  if (!text.empty()) j["text"] = text;
  return j;
}

std::optional<SortField> parse_sort_field(std::string_view name) {
  for (const auto& [f, n] : sort_fields()) {
    if (n == name) return f;
  }
  if (name == "cvss3") return SortField::Cvss3;
  if (name == "cvss" || name == "cvss2") return SortField::Cvss2;
  if (name == "family") return SortField::Family;
  return std::nullopt;
}

std::string_view to_string(SortField f) {
  for (const auto& [field, n] : sort_fields()) {
    if (field == f) return n;
  }
  return "severity";
}

const std::vector<std::string>& sort_field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [f, n] : sort_fields()) out.push_back(n);
    return out;
  }();
  return names;
}

bool default_descending(SortField f) {
  return f == SortField::Severity || f == SortField::Cvss3 || f == SortField::Cvss2 ||
         f == SortField::Vpr;
}

Result<HostMatcher> HostMatcher::parse(std::string_view text) {
  HostMatcher m;
  text = trim_space(text);
  if (text.empty()) return m;
  if (text.size() > 512) {
    return fail(ErrorCode::InvalidArgument, "the host filter is longer than 512 characters",
                "give one address, CIDR block or host name");
  }
  const bool dotted_digits = std::all_of(text.begin(), text.end(),
                                         [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (text.find('/') != std::string_view::npos || dotted_digits || net::IpAddress::parse(text)) {
    if (auto cidr = net::Cidr::parse(text)) {
      m.kind_ = Kind::Cidr;
      m.v4_ = cidr->network.family == net::IpAddress::Family::V4;
      m.network_.assign(cidr->network.bytes.begin(), cidr->network.bytes.end());
      m.prefix_ = cidr->prefix;
      return m;
    }
    if (text.find("://") == std::string_view::npos) {
      return fail(ErrorCode::InvalidArgument,
                  "'" + std::string(text) + "' is not an address or a CIDR block",
                  "write 10.0.0.5, 10.0.0.0/24 (host bits zero) or fd00::/64");
    }
  }
  const bool suffix = text.rfind("*.", 0) == 0;
  const std::string_view body = suffix ? text.substr(1) : text;
  if (!std::all_of(body.begin(), body.end(), host_name_char)) {
    return fail(ErrorCode::InvalidArgument,
                "'" + std::string(text) + "' is not a host name, address or CIDR block",
                "use an address, a CIDR block, a host name, or *.example.com for a domain");
  }
  m.kind_ = suffix ? Kind::Suffix : Kind::Name;
  m.text_ = ascii_lower(body);
  if (m.kind_ == Kind::Name && m.text_.size() > 1 && m.text_.back() == '.') m.text_.pop_back();
  return m;
}

bool HostMatcher::matches(std::string_view name, std::string_view ip, std::string_view fqdn,
                          std::string_view netbios) const {
  switch (kind_) {
    case Kind::Any:
      return true;
    case Kind::Cidr: {
      for (std::string_view candidate : {ip, name}) {
        const auto a = net::IpAddress::parse(candidate);
        if (!a || (a->family == net::IpAddress::Family::V4) != v4_) continue;
        net::Cidr c;
        c.network.family = v4_ ? net::IpAddress::Family::V4 : net::IpAddress::Family::V6;
        std::copy(network_.begin(), network_.end(), c.network.bytes.begin());
        c.prefix = prefix_;
        if (c.contains(*a)) return true;
      }
      return false;
    }
    case Kind::Name:
      for (std::string_view candidate : {name, fqdn, netbios}) {
        if (!candidate.empty() && ascii_lower(candidate) == text_) return true;
      }
      return false;
    case Kind::Suffix:
      for (std::string_view candidate : {name, fqdn}) {
        const std::string l = ascii_lower(candidate);
        if (l.size() > text_.size() && l.compare(l.size() - text_.size(), text_.size(), text_) == 0)
          return true;
      }
      return false;
  }
  return false;
}

}  // namespace nmcp::findings
