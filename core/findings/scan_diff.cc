#include "core/findings/scan_diff.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace nmcp::findings {

namespace {

std::string key_text(const FindingKey& k) {
  return k.host + '\x1f' + std::to_string(k.plugin_id) + '\x1f' + std::to_string(k.port) + '\x1f' +
         k.protocol;
}

void order(std::vector<DiffEntry>& v) {
  std::sort(v.begin(), v.end(), [](const DiffEntry& a, const DiffEntry& b) {
    return a.severity != b.severity ? a.severity > b.severity : a.finding_id < b.finding_id;
  });
}

}  // namespace

ScanDiff diff_scans(const FindingsIndex& earlier, const FindingsIndex& later, int min_severity) {
  ScanDiff d;
  std::unordered_map<std::string, std::int64_t> before;
  before.reserve(static_cast<std::size_t>(earlier.finding_count()));
  for (std::int64_t id = 1; id <= earlier.finding_count(); ++id) {
    if (earlier.severity(id) < min_severity) continue;
    before.emplace(key_text(earlier.key(id)), id);
  }
  for (std::int64_t id = 1; id <= later.finding_count(); ++id) {
    const int sev = later.severity(id);
    if (sev < min_severity) continue;
    const auto it = before.find(key_text(later.key(id)));
    if (it == before.end()) {
      d.added.push_back({id, sev});
      ++d.severity_counts[0][static_cast<std::size_t>(sev)];
    } else {
      d.still_open.push_back({id, sev});
      ++d.severity_counts[2][static_cast<std::size_t>(sev)];
      it->second = 0;  // seen
    }
  }
  for (const auto& [key, id] : before) {
    if (id == 0) continue;
    const int sev = earlier.severity(id);
    d.fixed.push_back({id, sev});
    ++d.severity_counts[1][static_cast<std::size_t>(sev)];
  }
  order(d.added);
  order(d.fixed);
  order(d.still_open);
  return d;
}

}  // namespace nmcp::findings
