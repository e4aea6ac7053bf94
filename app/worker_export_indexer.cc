#include "app/worker_export_indexer.h"

#include <filesystem>

#include "core/findings/results_location.h"
#include "scanners/results/export_indexer.h"
#include "worker/engine/task_indexing.h"

namespace nmcp::app {

Result<service::IndexedExport> WorkerExportIndexer::index(const task::Task& t,
                                                          const config::ScannerConfig& config) {
  auto paths = findings::results_paths(data_dir_, t.id);
  if (!paths) return fail(paths.error());
  std::error_code ec;
  if (!std::filesystem::is_regular_file(paths->export_file, ec)) {
    return fail(ErrorCode::NotFound, t.id + " has no export at " + paths->export_file,
                "only scans that were downloaded can be re-indexed");
  }
  auto indexed = worker::index_task_export(data_dir_, t, config, paths->index_file);
  if (!indexed) return fail(indexed.error());
  return service::IndexedExport{std::move(indexed->summary), std::move(indexed->validation),
                                indexed->stats.items,        indexed->stats.hosts,
                                paths->index_file,           std::move(indexed->targets)};
}

Result<service::IndexedExport> WorkerExportIndexer::index_foreign(const std::string& export_file,
                                                                  const std::string& index_file) {
  auto indexed =
      scanners::index_export(export_file, index_file, scanners::CredentialsSupplied::Unknown);
  if (!indexed) return fail(indexed.error());
  return service::IndexedExport{std::move(indexed->summary),
                                std::move(indexed->validation),
                                indexed->stats.items,
                                indexed->stats.hosts,
                                index_file,
                                std::move(indexed->targets)};
}

}  // namespace nmcp::app
