#include "core/findings/run_comparison.h"

#include "core/findings/results_location.h"

namespace nmcp::findings {

using nlohmann::json;

json severity_counts_json(const std::array<std::int64_t, 5>& c) {
  return {{"critical", c[4]}, {"high", c[3]}, {"medium", c[2]}, {"low", c[1]}, {"info", c[0]}};
}

json diff_digest(const ScanDiff& diff, const FindingsIndex& later, std::size_t top) {
  auto count = [&](DiffCategory c) { return diff.entries[c].size(); };
  json top_new = json::array();
  const auto& added = diff.entries[kAdded];  // most severe first
  for (std::size_t i = 0; i < added.size() && i < top; ++i) {
    const auto key = later.key(added[i].finding_id);
    top_new.push_back({{"finding_id", added[i].finding_id},
                       {"host", key.host},
                       {"port", key.port},
                       {"protocol", key.protocol},
                       {"plugin_id", key.plugin_id},
                       {"plugin_name", later.plugin_name(added[i].finding_id)},
                       {"severity", added[i].severity}});
  }
  return {{"new", count(kAdded)},
          {"fixed", count(kFixed)},
          {"still_open", count(kStillOpen)},
          {"unverified", count(kUnverified)},
          {"not_rescanned", count(kNotRescanned)},
          {"new_by_severity", severity_counts_json(diff.severity_counts[kAdded])},
          {"hosts_compared", diff.hosts_compared},
          {"new_hosts", diff.new_hosts.size()},
          {"not_rescanned_hosts", diff.not_rescanned_hosts.size()},
          {"top_new", top_new}};
}

json compare_with_previous(const std::string& data_dir, const std::string& previous_task_id,
                           const FindingsIndex& later) {
  json out = {{"previous_task_id", previous_task_id}, {"min_severity", kRunComparisonMinSeverity}};
  auto paths = results_paths(data_dir, previous_task_id);
  if (!paths) {
    out["unavailable"] = paths.error().message;
    return out;
  }
  auto earlier = FindingsIndex::open(paths->index_file);
  if (!earlier) {
    out["unavailable"] = "the previous run's findings cannot be read (" + earlier.error().message +
                         "); retention may have removed them";
    return out;
  }
  const ScanDiff diff = diff_scans(**earlier, later, kRunComparisonMinSeverity);
  out.update(diff_digest(diff, later, kTopNewFindings));
  return out;
}

}  // namespace nmcp::findings
