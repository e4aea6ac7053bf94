#pragma once
// Where a task's result files live: <data_dir>/results/<task_id>/ holds the raw export
// (scan.nessus) and its findings index (findings.db). Ids are validated before they become
// paths, so no id can name a file outside the results folder. Pure; thread-safe.

#include <string>

#include "core/base/result.h"

namespace nmcp::findings {

struct ResultsPaths {
  std::string dir;
  std::string export_file;  // scan.nessus
  std::string partial;      // scan.nessus.part while downloading
  std::string index_file;   // findings.db, written once after the download
};

Result<ResultsPaths> results_paths(const std::string& data_dir, const std::string& task_id);

}  // namespace nmcp::findings
