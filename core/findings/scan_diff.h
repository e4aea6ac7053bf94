#pragma once
// What changed between two scans: findings new in the later one, fixed (gone from it) and still
// open, matched by host (address when known, else name), plugin, port and protocol. Pure over
// two opened indexes; thread-safe.

#include <array>
#include <cstdint>
#include <vector>

#include "core/findings/findings_index.h"

namespace nmcp::findings {

struct DiffEntry {
  std::int64_t finding_id = 0;  // in the later scan for new and still open, the earlier for fixed
  int severity = 0;
};

struct ScanDiff {
  std::vector<DiffEntry> added, fixed, still_open;  // each sorted by severity, then finding id
  std::array<std::array<std::int64_t, 5>, 3> severity_counts{};  // [added, fixed, open][sev]
};

// Only findings with severity >= min_severity take part.
ScanDiff diff_scans(const FindingsIndex& earlier, const FindingsIndex& later, int min_severity);

}  // namespace nmcp::findings
