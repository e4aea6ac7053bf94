#pragma once
// Helpers every product tool shares: turning an Error into an isError result, and loading a
// task the caller owns (another tenant's task does not exist for it). Thread-safe.

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/base/result.h"
#include "core/task/task.h"
#include "mcp/server/request_context.h"
#include "mcp/server/session.h"
#include "mcp/server/tool.h"
#include "service/services.h"

namespace nmcp::mcp {

// The kinds of scan a key may start: those whose submit tool its tools= list allows (nullopt:
// every kind). A schedule takes its creator's, so scheduling never gets around tools=.
std::optional<std::set<task::ScanType>> scan_types_allowed(const Principal& caller);

// A refused call that would have changed something: one deny line in the audit log, naming the
// task or schedule it named and why (a store that did not answer decided nothing: no line).
void audit_refusal(const service::Services& deps, const RequestContext& ctx,
                   const std::string& tool, const std::string& subject, const Error& why);

// Who asks, for the application layer: the request's tenant with its key's rights, its trace,
// and the tool (`via`) for the audit log.
service::Caller caller_of(const RequestContext& ctx, std::string via);
// The same for a request that runs without a RequestContext (tasks/get, tasks/cancel).
service::Caller caller_for(const Principal& principal, std::string trace_id, std::string via);
// How an agent is told to do what the application layer suggests: the tool that does it.
std::string agent_words(Action a);

// The message, and the hint (in an agent's words, agent_words) on a line of its own.
ToolResult error_result(const Error& e);
// InvalidArgument unless `id` looks like a task id.
Status check_task_id(const std::string& id);
Result<task::Task> owned_task(const service::Services& deps, const std::string& id,
                              const std::string& owner);

}  // namespace nmcp::mcp
