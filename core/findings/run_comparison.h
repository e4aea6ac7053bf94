#pragma once
// What a schedule's run says about the run before it: the digest of their diff (counts per
// category, new findings by severity, the most severe new ones) that the worker stores in the
// later run's summary as since_previous_run, so get_scan_status answers "what is new since last
// night" without a second call. Pure over opened indexes, plus one read of the earlier index
// from the data directory; thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/findings/findings_index.h"
#include "core/findings/scan_diff.h"

namespace nmcp::findings {

inline constexpr std::size_t kTopNewFindings = 5;
inline constexpr int kRunComparisonMinSeverity = 1;  // low and up, as compare_scans by default

// {"critical": n, "high": n, "medium": n, "low": n, "info": n}.
nlohmann::json severity_counts_json(const std::array<std::int64_t, 5>& counts);

// The counts of each category by its compare_scans name (new, fixed, still_open, unverified,
// not_rescanned), the new findings by severity, host counts, and the `top` most severe new
// findings of `later`.
nlohmann::json diff_digest(const ScanDiff& diff, const FindingsIndex& later, std::size_t top);

// The digest of the diff between the run `previous_task_id` (read from its index under
// data_dir) and `later`, with previous_task_id in it; when the earlier index cannot be read
// (removed by retention, never indexed) the answer says so instead of counting everything new.
nlohmann::json compare_with_previous(const std::string& data_dir,
                                     const std::string& previous_task_id,
                                     const FindingsIndex& later);

}  // namespace nmcp::findings
