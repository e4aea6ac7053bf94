// The tool methods of the table: tools/list (what the caller may call) and tools/call (a
// counted call: authorised before it is dispatched, run through the registry).

#include <algorithm>

#include "core/base/logging.h"
#include "core/base/opaque_cursor.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/method_params.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

void McpServer::add_tool_methods() {
  table_.add({.method = "tools/list",
              .cache = CacheHint{.ttl_ms = 60000, .shared = false},
              .handler = [this](const MethodCall& call) { return list_tools(call); }});
  table_.add({.method = "tools/call",
              .counted = true,
              .subject = [](const json& params) { return string_member(params, "name"); },
              .authorise =
                  [this](const RequestScope& scope, const json& params) {
                    Authorisation decided;
                    const auto name = required_string(params, "name", "tools/call");
                    if (!name) {
                      decided.refusal = name.error();
                      return decided;
                    }
                    const ToolRegistry::Entry* entry = tools_.find(*name);
                    const Principal& principal = scope.principal;
                    const bool allowed = entry != nullptr && allows(principal, entry->definition);
                    // Refusals always; allowed calls only of tools that change something.
                    decided.audit =
                        entry != nullptr &&
                        (!allowed || !entry->definition.annotations.read_only.value_or(false));
                    decided.tool = *name;
                    decided.rule = !principal.may_use(*name)
                                       ? "the API key's tools= list does not include " + *name
                                   : !allowed ? "the API key is read-only and " + *name + " is not"
                                   : principal.allowed_tools
                                       ? "the API key's tools= list includes " + *name
                                       : "the API key may call every tool";
                    if (!allowed) {
                      // An unknown tool and a forbidden one get the same answer: no oracle.
                      decided.refusal = RpcError{
                          rpc::kInvalidParams, "Unknown tool: \"" + *name +
                                                   "\". Call tools/list for the available tools."};
                      return decided;
                    }
                    if (scope.era == Era::Modern) {
                      json missing = scope.undeclared(entry->definition.requires_client);
                      if (!missing.empty()) {
                        decided.refusal = missing_capability(
                            std::move(missing), "tool " + *name + " works only with it");
                      }
                    }
                    return decided;
                  },
              .handler = [this](const MethodCall& call) { return call_tool(call); }});
}

std::vector<HeaderParam> McpServer::header_params(const Principal& principal,
                                                  std::string_view tool) const {
  const ToolRegistry::Entry* entry = tools_.find(tool);
  if (entry == nullptr || !allows(principal, entry->definition)) return {};
  return entry->header_params;
}

MethodResult McpServer::list_tools(const MethodCall& call) const {
  const json& params = call.params;
  std::size_t offset = 0;
  if (const auto cursor = params.find("cursor"); cursor != params.end() && !cursor->is_null()) {
    const auto decoded = cursor->is_string()
                             ? decode_opaque_cursor("tools", cursor->get<std::string>())
                             : std::nullopt;
    if (!decoded) {
      return rpc_fail(rpc::kInvalidParams,
                      "Invalid params: unknown cursor; pass the nextCursor of a previous "
                      "tools/list result, or no cursor for the first page");
    }
    offset = *decoded;
  }
  std::vector<const ToolRegistry::Entry*> visible;
  for (const auto& e : tools_.entries()) {
    if (allows(call.scope.principal, e.definition)) visible.push_back(&e);
  }
  if (offset > visible.size()) {
    return rpc_fail(rpc::kInvalidParams, "Invalid params: the cursor is past the end of the list");
  }
  const std::size_t page = std::max<std::size_t>(1, options_.tools_page_size);
  const std::size_t end = std::min(visible.size(), offset + page);
  json tools = json::array();
  for (std::size_t i = offset; i < end; ++i) {
    tools.push_back(ToolRegistry::describe(*visible[i], call.scope.version,
                                           tasks_ != nullptr && call.scope.era == Era::Legacy));
  }
  json result = {{"tools", std::move(tools)}};
  if (end < visible.size()) result["nextCursor"] = encode_opaque_cursor("tools", end);
  return result;
}

MethodResult McpServer::call_tool(const MethodCall& call) const {
  // Authorised already: the name is a string and names a tool the caller may call.
  const ToolRegistry::Entry* entry = tools_.find(call.subject);
  if (entry == nullptr) {
    return rpc_fail(rpc::kInvalidParams, "Unknown tool: \"" + call.subject +
                                             "\". Call tools/list for the available tools.");
  }
  json arguments = json::object();
  if (const auto args = call.params.find("arguments");
      args != call.params.end() && !args->is_null()) {
    if (!args->is_object()) {
      return rpc_fail(rpc::kInvalidParams,
                      "Invalid params: tools/call \"arguments\" must be an object");
    }
    arguments = *args;
  }
  // A client that takes tasks gets one for a call that starts long-running work: in the modern
  // era by declaring the extension, in 2025-11-25 by asking with params.task.
  const RequestScope& scope = call.scope;
  bool takes_tasks = false;
  if (tasks_ != nullptr && scope.era == Era::Modern) {
    takes_tasks = scope.client_declares_extension(kTasksExtension);
  } else if (tasks_ != nullptr && scope.version >= ProtocolVersion::V2025_11_25) {
    const auto task = call.params.find("task");
    if (task != call.params.end() && !task->is_null()) {
      if (!task->is_object()) {
        return rpc_fail(rpc::kInvalidParams, "Invalid params: \"task\" must be an object");
      }
      if (!entry->definition.task_optional) {
        return rpc_fail(rpc::kMethodNotFound, "Method not found: tool \"" + call.subject +
                                                  "\" does not run as a task (its "
                                                  "execution.taskSupport is forbidden)");
      }
      takes_tasks = true;
    }
  }
  std::string task_id;
  call.context->set_takes_tasks(takes_tasks);
  json result = ToolRegistry::call(*entry, arguments, *call.context, scope.version,
                                   takes_tasks ? &task_id : nullptr);
  if (task_id.empty()) return result;
  // The work is stored before the tool returns, so tasks/get resolves this id from now on.
  auto snapshot = tasks_->get(scope.principal, task_id);
  if (!snapshot) {
    log::error("mcp", "a tool's task cannot be read back",
               {{"tool", call.subject}, {"trace_id", scope.trace_id}});
    return result;
  }
  // A legacy session hears of the task's changes (notifications/tasks/status) from now on.
  if (scope.era == Era::Legacy && task_watch_ != nullptr) {
    task_watch_->follow(scope.session, scope.principal, *snapshot);
  }
  return created_task(std::move(*snapshot), scope);
}

}  // namespace nmcp::mcp
