#include "mcp/tools/tool_support.h"

#include "core/findings/results_location.h"

namespace nmcp::mcp {

std::shared_ptr<const config::ScannerConfig> current_config(const ToolDeps& deps, Error* error) {
  auto c = deps.config != nullptr ? deps.config->current() : nullptr;
  if (!c) {
    *error = {ErrorCode::FailedPrecondition, "no scanner configuration is loaded",
              "the operator must start nessus-mcp with --config pointing at scanners.yaml"};
  }
  return c;
}

std::optional<std::set<task::ScanType>> scan_types_allowed(const Principal& caller) {
  if (!caller.allowed_tools && !caller.read_only) return std::nullopt;
  std::set<task::ScanType> types;
  if (caller.read_only) return types;
  if (caller.may_use("run_untrusted_scan")) types.insert(task::ScanType::Untrusted);
  if (caller.may_use("run_authenticated_scan")) {
    types.insert(task::ScanType::Authenticated);
    types.insert(task::ScanType::AuthenticatedPrivileged);
  }
  return types;
}

void audit_refusal(const ToolDeps& deps, const RequestContext& ctx, const std::string& tool,
                   const std::string& subject, const Error& why) {
  if (!deps.audit || !audit::is_decision(why)) return;
  deps.audit->record(
      audit::refusal(deps.clock->now(), ctx.principal(), tool, ctx.trace_id(), subject, why));
}

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
  auto t = deps.tasks->get(id, store::OwnerScope::tenant(owner));
  if (!t && t.error().code == ErrorCode::NotFound) {
    return fail(ErrorCode::NotFound, "no task " + id, "list_tasks shows your tasks");
  }
  return t;
}

Result<ScanResults> open_scan_results(const ToolDeps& deps, const std::string& id,
                                      const std::string& owner) {
  auto t = owned_task(deps, id, owner);
  if (!t) return fail(t.error());
  if (!task::is_terminal(t->state)) {
    return fail(ErrorCode::FailedPrecondition,
                "task " + id + " is " + std::string(task::to_string(t->state)) +
                    "; its results are not ready",
                "poll get_scan_status until the state is completed");
  }
  if (deps.indexes == nullptr || deps.data_dir.empty()) {
    return fail(
        ErrorCode::FailedPrecondition, "this server has no results directory",
        "start nessus-mcp with --data-dir DIR (the directory the workers write results to)");
  }
  auto paths = findings::results_paths(deps.data_dir, id);
  if (!paths) return fail(paths.error());
  auto index = deps.indexes->get(paths->index_file);
  if (!index) {
    if (index.error().code == ErrorCode::NotFound) {
      return fail(
          ErrorCode::NotFound,
          "task " + id + " ended " + std::string(task::to_string(t->state)) + " without results",
          t->state == task::State::Completed
              ? "this server looked for its findings index at " + paths->index_file +
                    " and found none. With several processes, --data-dir must be one directory "
                    "they all share (the worker writes results there); an operator can rebuild "
                    "the index with admin_cli task reindex " +
                    id
              : "only scans that ran to the end have results; see get_scan_status");
    }
    return fail(index.error());
  }
  return ScanResults{std::move(*t), std::move(*index)};
}

}  // namespace nmcp::mcp
