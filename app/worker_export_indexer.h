#pragma once
// service::ExportIndexer on the worker's own path (worker/engine/task_indexing.h), so that
// admin_cli task reindex reads an export exactly as the worker did when the scan ended.
//
// Thread-safety: stateless but for the data directory; calls may run concurrently.

#include <string>

#include "service/export_indexer.h"

namespace nmcp::app {

class WorkerExportIndexer : public service::ExportIndexer {
 public:
  explicit WorkerExportIndexer(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  Result<service::IndexedExport> index(const task::Task& t,
                                       const config::ScannerConfig& config) override;
  Result<service::IndexedExport> index_foreign(const std::string& export_file,
                                               const std::string& index_file) override;

 private:
  const std::string data_dir_;
};

}  // namespace nmcp::app
