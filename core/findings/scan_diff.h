#pragma once
// What changed between two scans of the same network: findings new in the later one, fixed
// (gone from it) and still open, matched by host (address when known, else name), plugin, port
// and protocol. Only hosts both scans covered are compared: a host the later scan did not cover
// says nothing about its findings, which are reported as not rescanned instead of fixed, and a
// host only the later scan covered is listed apart instead of flooding "new". A finding from a
// local check (it needs a login) is "unverified", not fixed, when the later scan could not log
// in to that host. Pure over two opened indexes; thread-safe.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/findings/findings_index.h"

namespace nmcp::findings {

struct DiffEntry {
  std::int64_t finding_id = 0;  // in the later scan for new and still open, the earlier otherwise
  int severity = 0;
};

struct DiffHost {
  std::string host;  // address, else name
  std::int64_t findings = 0;
};

enum DiffCategory { kAdded = 0, kFixed, kStillOpen, kUnverified, kNotRescanned, kCategories };

struct ScanDiff {
  // Each sorted by severity (highest first), then finding id.
  std::array<std::vector<DiffEntry>, kCategories> entries;
  std::array<std::array<std::int64_t, 5>, kCategories> severity_counts{};  // [category][sev]
  std::vector<DiffHost> not_rescanned_hosts;  // in the earlier scan only
  std::vector<DiffHost> new_hosts;            // in the later scan only
  std::int64_t hosts_compared = 0;
};

// Only findings with severity >= min_severity take part.
ScanDiff diff_scans(const FindingsIndex& earlier, const FindingsIndex& later, int min_severity);

}  // namespace nmcp::findings
