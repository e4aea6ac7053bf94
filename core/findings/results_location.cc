#include "core/findings/results_location.h"

#include <filesystem>

#include "core/task/task.h"

namespace nmcp::findings {

Result<ResultsPaths> results_paths(const std::string& data_dir, const std::string& task_id) {
  if (!task::is_valid_task_id(task_id)) {
    return fail(ErrorCode::InvalidArgument, "not a task id: refusing to build a path from it");
  }
  const auto dir = std::filesystem::path(data_dir) / "results" / task_id;
  return ResultsPaths{dir.string(), (dir / "scan.nessus").string(),
                      (dir / "scan.nessus.part").string(), (dir / "findings.db").string()};
}

}  // namespace nmcp::findings
