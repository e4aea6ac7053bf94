#pragma once
// Where a task's files live: <data_dir>/results/<task_id>/ with the raw export scan.nessus.
// Ids are validated before they become paths. Thread-safe.

#include <string>

#include "core/base/result.h"

namespace nmcp::worker {

struct ResultsPaths {
  std::string dir;
  std::string export_file;  // scan.nessus
  std::string partial;      // scan.nessus.part while downloading
};

Result<ResultsPaths> results_paths(const std::string& data_dir, const std::string& task_id);

}  // namespace nmcp::worker
