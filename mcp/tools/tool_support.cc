#include "mcp/tools/tool_support.h"

namespace nmcp::mcp {

ToolResult error_result(const Error& e) {
  return ToolResult::failure(e.hint.empty() ? e.message : e.message + "\nHint: " + e.hint);
}

Status check_task_id(const std::string& id) {
  if (task::is_valid_task_id(id)) return ok();
  return fail(ErrorCode::InvalidArgument, "'" + id.substr(0, 64) + "' is not a task id",
              "task ids look like task_ followed by 32 hex digits, as returned by "
              "run_untrusted_scan or list_tasks");
}

Result<task::Task> owned_task(const ToolDeps& deps, const std::string& id,
                              const std::string& owner) {
  if (auto s = check_task_id(id); !s) return fail(s.error());
  auto t = deps.store->get(id);
  if (!t || t->owner != owner) {
    if (!t && t.error().code != ErrorCode::NotFound) return fail(t.error());
    return fail(ErrorCode::NotFound, "no task " + id, "list_tasks shows your tasks");
  }
  return t;
}

}  // namespace nmcp::mcp
