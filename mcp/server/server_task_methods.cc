// The task methods of the table (with a TaskSource only), in both generations of MCP tasks:
//   2026-07-28, the extension io.modelcontextprotocol/tasks: tasks/get answers the whole task
//     (its tool result once completed), tasks/cancel an empty acknowledgement, idempotent;
//     tasks/update acknowledges input (no task of ours asks for any yet);
//     a request whose client did not declare the extension is refused -32021.
//   2025-11-25, experimental core tasks (a session that negotiated 2025-11-25): tasks/get and
//     tasks/cancel answer the Task, tasks/result waits for the end and answers the tool result,
//     tasks/list pages the caller's tasks.
// Both are authorised by the rights of the tools that do the same by hand (TaskSource's
// read_tool and cancel_tool), before anything is read: a refusal says nothing about whether the
// task exists, and another tenant's task is answered exactly like an unknown id.

#include <algorithm>

#include "core/base/logging.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/method_params.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

constexpr std::size_t kTaskPage = 50;
// How often tasks/result looks again while the work runs, at most.
constexpr std::chrono::milliseconds kResultPollCap{2000};

json requires_tasks() { return json{{"extensions", {{kTasksExtension, json::object()}}}}; }

// A TaskSource's error as tasks/* answer it: an unknown id (or another caller's) is -32602.
tl::unexpected<RpcError> task_error(const Error& e, const std::string& id) {
  if (e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument) {
    return rpc_fail(rpc::kInvalidParams,
                    "Invalid params: no task \"" + id.substr(0, 80) +
                        "\" (unknown, expired, or not yours); a task id comes from the tools/call "
                        "that created the task");
  }
  return rpc_fail(rpc::kInternalError, "Internal error: " + e.message);
}

// The 2025-11-25 name of a task's status: a task whose work failed is "failed" there.
std::string legacy_status(const TaskSnapshot& t) {
  if (t.status == TaskSnapshot::Status::Completed && t.work_failed) return "failed";
  return std::string(to_string(t.status));
}

}  // namespace

void McpServer::serve_tasks(const TaskSource& tasks) {
  tasks_ = &tasks;
  add_task_methods();
  // 2025-11-25 status notifications: the tasks a legacy session created, read on one runner.
  task_watch_ = std::make_unique<TaskStatusWatch>(
      tasks,
      [this](TaskSnapshot t) {
        RequestScope legacy;
        legacy.version = ProtocolVersion::V2025_11_25;
        return task_json(std::move(t), legacy, false);
      },
      options_.max_subscribed_tasks);
  watch_jobs_ = std::make_unique<PeriodicJobs>(steady_ms());
  watch_jobs_->add("task-status", options_.subscription_poll,
                   [watch = task_watch_.get()] { watch->tick(); });
  watch_jobs_->start();
}

void McpServer::add_task_methods() {
  const auto by_tool = [this](std::string tool) {
    return [this, tool](const RequestScope& scope, const json& params) {
      Authorisation decided;
      if (scope.era == Era::Modern && !scope.client_declares_extension(kTasksExtension)) {
        decided.refusal =
            missing_capability(requires_tasks(), scope.method + " belongs to the tasks extension");
        return decided;
      }
      if (scope.era == Era::Legacy && scope.version < ProtocolVersion::V2025_11_25) {
        decided.refusal = RpcError{rpc::kMethodNotFound,
                                   "Method not found: " + scope.method +
                                       " (tasks need protocol version 2025-11-25 or later)"};
        return decided;
      }
      if (scope.method != "tasks/list") {
        if (const auto id = required_string(params, "taskId", scope.method.c_str()); !id) {
          decided.refusal = id.error();
          return decided;
        }
      }
      const ToolRegistry::Entry* entry = tools_.find(tool);
      if (entry != nullptr && allows(scope.principal, entry->definition)) return decided;
      decided.audit = true;
      decided.tool = scope.method;
      decided.rule = "the API key may not call " + tool;
      decided.refusal =
          RpcError{rpc::kInvalidParams, "Invalid params: this API key may not call " + tool +
                                            ", so it may not use " + scope.method +
                                            " either; ask the operator for a key "
                                            "that allows it"};
      return decided;
    };
  };
  const auto task_id = [](const json& params) { return string_member(params, "taskId"); };
  table_.add({.method = "tasks/get",
              .subject = task_id,
              .authorise = by_tool(tasks_->read_tool()),
              .handler = [this](const MethodCall& call) { return get_task(call); }});
  table_.add({.method = "tasks/cancel",
              .subject = task_id,
              .authorise = by_tool(tasks_->cancel_tool()),
              .handler = [this](const MethodCall& call) { return cancel_task(call); }});
  // Answers to a task's input requests. No task of ours asks for input yet (the workflows
  // issue's confirmations will), so an update of the caller's task is acknowledged and changes
  // nothing, as the extension says of keys not outstanding.
  table_.add({.method = "tasks/update",
              .legacy = false,
              .subject = task_id,
              .authorise = by_tool(tasks_->read_tool()),
              .handler = [this](const MethodCall& call) -> MethodResult {
                const std::string id = string_member(call.params, "taskId");
                const auto responses = call.params.find("inputResponses");
                if (responses == call.params.end() || !responses->is_object()) {
                  return rpc_fail(rpc::kInvalidParams,
                                  "Invalid params: tasks/update needs \"inputResponses\" as an "
                                  "object");
                }
                if (auto t = tasks_->get(call.scope.principal, id); !t) {
                  return task_error(t.error(), id);
                }
                return json::object();
              }});
  // Waits for the end: a counted call, cancellable and held to the call limits.
  table_.add({.method = "tasks/result",
              .modern = false,
              .counted = true,
              .subject = task_id,
              .authorise = by_tool(tasks_->read_tool()),
              .handler = [this](const MethodCall& call) { return task_result(call); }});
  table_.add({.method = "tasks/list",
              .modern = false,
              .authorise = by_tool(tasks_->read_tool()),
              .handler = [this](const MethodCall& call) { return list_tasks(call); }});
}

json McpServer::task_json(TaskSnapshot snapshot, const RequestScope& scope, bool detailed) const {
  json out = {{"taskId", snapshot.id},
              {"createdAt", snapshot.created_at},
              {"lastUpdatedAt", snapshot.last_updated_at}};
  const json ttl = snapshot.ttl_ms ? json(*snapshot.ttl_ms) : json(nullptr);
  if (!snapshot.status_message.empty()) out["statusMessage"] = snapshot.status_message;
  if (scope.era == Era::Legacy) {
    out["status"] = legacy_status(snapshot);
    out["ttl"] = ttl;
    if (snapshot.poll_interval_ms) out["pollInterval"] = *snapshot.poll_interval_ms;
    return out;
  }
  out["status"] = to_string(snapshot.status);
  out["ttlMs"] = ttl;
  if (snapshot.poll_interval_ms) out["pollIntervalMs"] = *snapshot.poll_interval_ms;
  if (detailed && snapshot.status == TaskSnapshot::Status::Failed) {
    out["error"] = {
        {"code", snapshot.error_code != 0 ? snapshot.error_code : rpc::kInternalError},
        {"message", snapshot.error_message.empty() ? "the work failed" : snapshot.error_message}};
  }
  if (detailed && snapshot.status == TaskSnapshot::Status::Completed && snapshot.result) {
    if (auto result = task_result_json(std::move(snapshot), scope)) {
      (*result)["resultType"] = "complete";  // a result in its own right, as every modern one
      out["result"] = std::move(*result);
    } else {
      out["status"] = "failed";
      out["error"] = {{"code", rpc::kInternalError},
                      {"message", "Internal error (trace id " + scope.trace_id + ")"}};
    }
  }
  return out;
}

std::optional<json> McpServer::task_result_json(TaskSnapshot snapshot,
                                                const RequestScope& scope) const {
  const ToolRegistry::Entry* entry = tools_.find(snapshot.result_tool);
  if (entry == nullptr || !snapshot.result) {
    log::error("mcp", "a task's result names no tool", {{"task", snapshot.id}});
    return std::nullopt;
  }
  return ToolRegistry::render(*entry, std::move(*snapshot.result), scope.trace_id, scope.version);
}

json McpServer::created_task(TaskSnapshot snapshot, const RequestScope& scope) const {
  json task = task_json(std::move(snapshot), scope, false);
  if (scope.era == Era::Legacy) return json{{"task", std::move(task)}};
  task["resultType"] = "task";
  return task;
}

MethodResult McpServer::get_task(const MethodCall& call) const {
  const std::string id = string_member(call.params, "taskId");  // authorised: a string
  auto snapshot = tasks_->get(call.scope.principal, id);
  if (!snapshot) return task_error(snapshot.error(), id);
  return task_json(std::move(*snapshot), call.scope, true);
}

MethodResult McpServer::cancel_task(const MethodCall& call) const {
  const std::string id = string_member(call.params, "taskId");
  if (call.scope.era == Era::Legacy) {
    // 2025-11-25: a task that has ended cannot be cancelled (-32602).
    auto before = tasks_->get(call.scope.principal, id);
    if (!before) return task_error(before.error(), id);
    if (before->ended()) {
      return rpc_fail(rpc::kInvalidParams, "Invalid params: task \"" + id +
                                               "\" has already ended (" + legacy_status(*before) +
                                               "); there is nothing to cancel");
    }
  }
  auto snapshot = tasks_->cancel(call.scope.principal, id);
  if (!snapshot) return task_error(snapshot.error(), id);
  log::info(
      "mcp", "task cancel requested",
      {{"task", id}, {"status", to_string(snapshot->status)}, {"trace_id", call.scope.trace_id}});
  // The extension acknowledges; 2025-11-25 answers the task as it is now.
  if (call.scope.era == Era::Modern) return json::object();
  return task_json(std::move(*snapshot), call.scope, false);
}

MethodResult McpServer::task_result(const MethodCall& call) const {
  const std::string id = string_member(call.params, "taskId");
  for (;;) {
    auto snapshot = tasks_->get(call.scope.principal, id);
    if (!snapshot) return task_error(snapshot.error(), id);
    if (snapshot->ended()) {
      if (snapshot->status == TaskSnapshot::Status::Cancelled) {
        return rpc_fail(rpc::kInvalidParams,
                        "Invalid params: task \"" + id + "\" was cancelled; it has no result");
      }
      auto result = task_result_json(std::move(*snapshot), call.scope);
      if (!result) {
        return rpc_fail(rpc::kInternalError,
                        "Internal error (trace id " + call.scope.trace_id + ")");
      }
      (*result)["_meta"][kMetaRelatedTask] = {{"taskId", id}};
      return std::move(*result);
    }
    const auto wait = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(snapshot->poll_interval_ms.value_or(1000)), kResultPollCap);
    // A cancelled request answers nothing; what is returned here is dropped. A server closing
    // gracefully answers, so that the client knows to ask again elsewhere.
    if (!call.context->hold_for(wait)) {
      return rpc_fail(rpc::kServerError,
                      "Server error: this server is shutting down before "
                      "task \"" +
                          id +
                          "\" ended; call tasks/result again "
                          "(the task goes on)");
    }
  }
}

MethodResult McpServer::list_tasks(const MethodCall& call) const {
  std::string cursor;
  if (const auto c = call.params.find("cursor"); c != call.params.end() && !c->is_null()) {
    if (!c->is_string()) {
      return rpc_fail(rpc::kInvalidParams, "Invalid params: \"cursor\" must be a string");
    }
    cursor = c->get<std::string>();
  }
  auto page = tasks_->list(call.scope.principal, cursor, kTaskPage);
  if (!page && page.error().code != ErrorCode::InvalidArgument) {
    return rpc_fail(rpc::kInternalError, "Internal error: " + page.error().message);
  }
  if (!page) {
    return rpc_fail(rpc::kInvalidParams,
                    "Invalid params: unknown cursor; pass the nextCursor of a previous tasks/list "
                    "result, or no cursor for the first page");
  }
  json tasks = json::array();
  for (auto& t : page->tasks) tasks.push_back(task_json(std::move(t), call.scope, false));
  json result = {{"tasks", std::move(tasks)}};
  if (!page->next_cursor.empty()) result["nextCursor"] = page->next_cursor;
  return result;
}

}  // namespace nmcp::mcp
