#pragma once
// The port through which the application layer indexes a finished task's export the way the
// worker does: with the scan's targets, the protocols it was given credentials for and the
// configured limits, and for a schedule's run the comparison with its previous run. app/ wires
// the worker's own path (worker/engine/task_indexing.h) in; service/ knows no parser.
//
// Thread-safety: implementations are thread-safe.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/task/task.h"

namespace nmcp::service {

struct IndexedExport {
  nlohmann::json summary;     // as the worker stores it (since_previous_run included)
  nlohmann::json validation;  // the credential outcome per host
  std::uint64_t findings = 0;
  std::uint64_t hosts = 0;
  std::string index_file;
  std::string targets;  // the hosts the export covered, as target text
};

class ExportIndexer {
 public:
  virtual ~ExportIndexer() = default;
  // NotFound when the task has no export; the index is replaced atomically or not at all.
  virtual Result<IndexedExport> index(const task::Task& t, const config::ScannerConfig& config) = 0;
  // An export from elsewhere (admin_cli import), indexed into `index_file` with no word on
  // the credentials it was given: InvalidArgument for a file that is not a usable export.
  virtual Result<IndexedExport> index_foreign(const std::string& export_file,
                                              const std::string& index_file) = 0;
};

}  // namespace nmcp::service
