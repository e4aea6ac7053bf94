#pragma once
// Indexing a finished scan's export: the one path the worker takes after a download and
// admin_cli task reindex takes afterwards (through service::ExportIndexer). The export is read
// with what the task says about it: its targets (hosts it did not name are flagged), the
// protocols it was given credentials for (a profile's types; inline credentials are SSH), and
// the configured ceiling on hosts; a schedule's run is compared with its previous run.
//
// Thread-safety: each call is independent.

#include <string>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/task/task.h"
#include "scanners/results/export_indexer.h"

namespace nmcp::worker {

// Which protocols the scan was given credentials for (a profile removed since, or an imported
// export: whatever the export shows).
scanners::SuppliedCredentials supplied_credentials(const task::Task& t,
                                                   const config::ScannerConfig& config);

// What the export of `t` is expected to hold: its targets and the configured host ceiling.
scanners::ExportExpectations export_expectations(const task::Task& t,
                                                 const config::ScannerConfig& config);

// Indexes <data_dir>/results/<id>/ export into `dest` and, for a schedule's run, adds
// since_previous_run to the summary (reading either index may fail without failing this: the
// summary then says why there is no comparison); an imported task keeps its imported_from.
// Errors as scanners::index_export's.
Result<scanners::IndexOutcome> index_task_export(const std::string& data_dir, const task::Task& t,
                                                 const config::ScannerConfig& config,
                                                 const scanners::IndexDestination& dest);

}  // namespace nmcp::worker
