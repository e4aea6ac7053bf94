#include "core/findings/scan_diff.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/estate/coverage.h"

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
  std::unordered_map<std::string, const HostView*> later_hosts;
  for (const auto& h : later.hosts()) later_hosts.emplace(FindingsIndex::host_key(h), &h);
  std::unordered_set<std::string> earlier_hosts;
  for (const auto& h : earlier.hosts()) earlier_hosts.insert(FindingsIndex::host_key(h));
  for (const auto& h : earlier_hosts) d.hosts_compared += later_hosts.count(h) != 0 ? 1 : 0;

  auto add = [&d](DiffCategory c, std::int64_t id, int sev) {
    d.entries[c].push_back({id, sev});
    ++d.severity_counts[c][static_cast<std::size_t>(sev)];
  };
  std::map<std::string, std::int64_t> only_earlier, only_later;
  std::unordered_map<std::string, std::int64_t> before;
  before.reserve(static_cast<std::size_t>(earlier.finding_count()));
  for (std::int64_t id = 1; id <= earlier.finding_count(); ++id) {
    if (earlier.severity(id) < min_severity) continue;
    const FindingKey k = earlier.key(id);
    if (later_hosts.count(k.host) == 0) {
      add(kNotRescanned, id, earlier.severity(id));
      ++only_earlier[k.host];
      continue;
    }
    before.emplace(key_text(k), id);
  }
  for (std::int64_t id = 1; id <= later.finding_count(); ++id) {
    const int sev = later.severity(id);
    if (sev < min_severity) continue;
    const FindingKey k = later.key(id);
    if (earlier_hosts.count(k.host) == 0) {
      ++only_later[k.host];
      continue;
    }
    const auto it = before.find(key_text(k));
    if (it == before.end()) {
      add(kAdded, id, sev);
    } else {
      add(kStillOpen, id, sev);
      it->second = 0;  // seen
    }
  }
  for (const auto& [key, id] : before) {
    if (id == 0) continue;
    // The host was rescanned; a port or a family the later scan skipped is not known here.
    const HostView* rescanned = later_hosts.at(earlier.key(id).host);
    const auto verdict =
        estate::judge_absence({.host_covered = true,
                               .port_covered = true,
                               .family_ran = true,
                               .needs_login = earlier.needs_login(id),
                               .logged_in = FindingsIndex::login_worked(*rescanned)});
    add(verdict.sighting == estate::Sighting::Absent ? kFixed : kUnverified, id,
        earlier.severity(id));
  }
  for (auto& v : d.entries) order(v);
  for (const auto& [host, n] : only_earlier) d.not_rescanned_hosts.push_back({host, n});
  for (const auto& [host, n] : only_later) d.new_hosts.push_back({host, n});
  // Hosts with no finding at this severity still count as covered (or not).
  for (const auto& h : earlier_hosts) {
    if (later_hosts.count(h) == 0 && only_earlier.count(h) == 0) {
      d.not_rescanned_hosts.push_back({h, 0});
    }
  }
  for (const auto& [h, view] : later_hosts) {
    if (earlier_hosts.count(h) == 0 && only_later.count(h) == 0) d.new_hosts.push_back({h, 0});
  }
  auto by_name = [](const DiffHost& a, const DiffHost& b) { return a.host < b.host; };
  std::sort(d.not_rescanned_hosts.begin(), d.not_rescanned_hosts.end(), by_name);
  std::sort(d.new_hosts.begin(), d.new_hosts.end(), by_name);
  return d;
}

}  // namespace nmcp::findings
