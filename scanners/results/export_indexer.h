#pragma once
// One pass over a .nessus export that does everything a finished scan needs: validate the
// credentials per host, compute the results summary, and write the findings index. Used by the
// worker after a download and by admin_cli import. Memory stays flat in the export's size.
//
// Thread-safety: each call is independent.

#include <functional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"

namespace nmcp::scanners {

struct IndexOutcome {
  nlohmann::json summary;     // ScanValidator::summary() plus export_bytes
  nlohmann::json validation;  // ScanValidator::validation()
  ScanVerdict verdict;
  ParseStats stats;
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
Result<IndexOutcome> index_export(const std::string& export_path, const IndexDestination& dest,
                                  CredentialsSupplied credentials, const ParseLimits& limits = {});

}  // namespace nmcp::scanners
