#pragma once
// One pass over a .nessus export that does everything a finished scan needs: validate the
// credentials per host, compute the results summary, and write the findings index. Used by the
// worker after a download and by admin_cli import. Memory stays flat in the export's size.
//
// Thread-safety: each call is independent.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/policy/scope_policy.h"
#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"

namespace nmcp::scanners {

struct IndexOutcome {
  nlohmann::json summary;     // ScanValidator::summary() plus export_bytes
  nlohmann::json validation;  // ScanValidator::validation()
  ScanVerdict verdict;
  ParseStats stats;
  std::string targets;  // the hosts the export covered, as target text (policy::HostSet)
  // Hosts the scan's targets did not name (when `expected` was given), and a few of them.
  std::uint64_t outside_targets = 0;
  std::vector<std::string> outside_sample;
};

// What the export should contain: the scan's targets (an export whose hosts they do not name
// is flagged) and the most hosts an export may have at all (more is refused, so a hostile or
// runaway export cannot fill the disk or the index).
struct ExportExpectations {
  std::optional<policy::TargetList> targets;
  std::uint64_t max_hosts = config::kDefaultMaxExportHosts;
  // Distinct plugin variants: Nessus has about 200,000 plugins, so more means a hostile or
  // broken file; it also bounds the per-plugin state the index and the summary keep.
  std::uint64_t max_plugin_variants = 300'000;
};

// Where an index goes: built under `temp` (default: path + ".part"), published at `path` by
// rename only if `may_publish` (when set) agrees at that moment.
struct IndexDestination {
  IndexDestination(std::string index_path) : path(std::move(index_path)) {}  // NOLINT: implicit
  std::string path;
  std::string temp;
  std::function<Status()> may_publish;
};

// Parses `export_path` and publishes its index (atomically: a failed or refused export, or a
// refused publication, leaves no index behind).
// An export past expect.max_hosts is refused with ResourceExhausted.
Result<IndexOutcome> index_export(const std::string& export_path, const IndexDestination& dest,
                                  const SuppliedCredentials& credentials,
                                  const ExportExpectations& expect = {},
                                  const ParseLimits& limits = {});

}  // namespace nmcp::scanners
