#pragma once
// A question asked of one scan's findings: filters (all must hold), a sort order, and where the
// page starts. Filters apply to every finding before any projection, so a filter may name a
// field the chosen profile does not show. Pure values; parse_* helpers are thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace nmcp::findings {

struct FindingFilter {
  std::optional<int> severity_min, severity_max;  // 0..4, inclusive
  std::vector<int> severities;                    // any of these
  std::string host;  // an address, a CIDR block, a host name, or *.suffix
  std::vector<int> ports;
  std::vector<std::string> protocols;  // lower case
  std::vector<std::string> services;   // lower case, svc_name
  std::vector<int> plugin_ids;
  std::vector<std::string> families;  // lower case, exact family names
  std::string name;                   // lower case substring of the plugin name
  std::vector<std::string> cves;      // upper case, exact
  std::optional<double> cvss3_min, cvss3_max, cvss2_min, cvss2_max;
  std::optional<bool> exploit_available;
  std::string text;  // lower case substring of names, texts, references or plugin output

  // What was applied, for echoing back in every page.
  nlohmann::json to_json() const;
};

enum class SortField { Severity, Cvss3, Cvss2, Vpr, Host, Port, PluginId, PluginName, Family };

struct SortSpec {
  SortField field = SortField::Severity;
  bool descending = true;
};

std::optional<SortField> parse_sort_field(std::string_view name);
std::string_view to_string(SortField f);
const std::vector<std::string>& sort_field_names();
// The natural direction: scores and severity descending, everything else ascending.
bool default_descending(SortField f);

// A host filter, compiled once: it matches a host's name, address, FQDN or NetBIOS name.
class HostMatcher {
 public:
  // Empty text matches everything. Invalid text is an InvalidArgument with a hint.
  static Result<HostMatcher> parse(std::string_view text);
  bool matches(std::string_view name, std::string_view ip, std::string_view fqdn,
               std::string_view netbios) const;

 private:
  enum class Kind { Any, Cidr, Name, Suffix };
  Kind kind_ = Kind::Any;
  std::string text_;  // lower case name or suffix (with the dot)
  std::vector<std::uint8_t> network_;
  std::size_t prefix_ = 0;
  bool v4_ = true;
};

}  // namespace nmcp::findings
