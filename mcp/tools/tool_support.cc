#include "mcp/tools/tool_support.h"

#include "service/action_words.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

service::Caller caller_of(const RequestContext& ctx, std::string via) {
  return caller_for(ctx.caller(), ctx.trace_id(), std::move(via));
}

service::Caller caller_for(const Principal& principal, std::string trace_id, std::string via) {
  service::Caller c = service::Caller::tenant_of(principal.tenant);
  c.pools = principal.allowed_pools;
  c.scan_types = scan_types_allowed(principal);
  c.key_id = principal.key_id;
  c.trace_id = std::move(trace_id);
  c.via = std::move(via);
  return c;
}

std::string agent_words(Action a) {
  switch (a) {
    case Action::ListTasks:
      return "list_tasks shows your tasks";
    case Action::AwaitTask:
      return "poll get_scan_status until the state is completed";
    case Action::ListPools:
      return "list_pools shows the pools you may use";
    case Action::ReadHosts:
      return "list_scan_hosts gives every host's credential outcome";
    case Action::FreePlace:
      return "retry when one of them ends (list_tasks shows them; cancel_scan frees a place)";
    case Action::ReadResults:
      return "finding ids come from get_scan_results pages of the same task";
    case Action::ListSchedules:
      return "list_schedules shows yours";
    case Action::ScanAuthenticated:
      return "use run_authenticated_scan to log in to the targets";
    case Action::UseProfileInstead:
      return "name a credential profile instead (list_scanners shows them); secrets then never "
             "pass through the conversation";
    case Action::NameProfile:
      return "name a credential profile (list_scanners shows them)";
    case Action::ReindexTask:
    case Action::None:
      break;
  }
  return {};
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

void audit_refusal(const service::Services& deps, const RequestContext& ctx,
                   const std::string& tool, const std::string& subject, const Error& why) {
  if (!deps.audit || !audit::is_decision(why)) return;
  deps.audit->record(
      audit::refusal(deps.clock->now(), ctx.principal(), tool, ctx.trace_id(), subject, why));
}

ToolResult error_result(const Error& error) {
  const Error e = service::worded(error, agent_words);
  return ToolResult::failure(e.hint.empty() ? e.message : e.message + "\nHint: " + e.hint);
}

Status check_task_id(const std::string& id) {
  if (task::is_valid_task_id(id)) return ok();
  return fail(ErrorCode::InvalidArgument, "'" + id.substr(0, 64) + "' is not a task id",
              "task ids look like task_ followed by 32 hex digits, as returned by "
              "run_untrusted_scan or list_tasks");
}

Result<task::Task> owned_task(const service::Services& deps, const std::string& id,
                              const std::string& owner) {
  // The id as an agent typed it is checked in an agent's words first.
  if (auto s = check_task_id(id); !s) return fail(s.error());
  return service::ScanService(deps).find(service::Caller::tenant_of(owner), id);
}

}  // namespace nmcp::mcp
