// subscriptions/listen (2026-07-28): one request whose stream carries the notifications its
// client asked for, until the client cancels it (closes the HTTP stream, or sends
// notifications/cancelled on stdio). The first message acknowledges the subset the server
// honours; every message carries the listen request's id as the subscription id. What this
// server can send there: the status of tasks (the tasks extension's notifications/tasks, the
// whole task each time its status or message changes), for a client that declared the
// extension. It offers no list-changed notifications (its lists change with the scans, and
// its capabilities say listChanged false), so those are never honoured.
//
// A listen is a counted call: the per-tenant limit on calls in flight bounds how many streams
// a tenant holds open, and it is cancelled like any call. A server that closes gracefully
// answers it (RequestContext::ask_to_end) instead of cutting the stream. Task changes are read from
// the task store at ServerOptions::subscription_poll, so a change made through another replica
// reaches the stream as surely as one made here.

#include <map>

#include "core/base/logging.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/notifier.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

void McpServer::add_subscription_methods() {
  table_.add(
      {.method = "subscriptions/listen",
       .legacy = false,
       .counted = true,
       .authorise =
           [this](const RequestScope& scope, const json& params) {
             Authorisation decided;
             const auto wanted = params.find("notifications");
             if (wanted == params.end() || !wanted->is_object()) {
               decided.refusal = RpcError{rpc::kInvalidParams,
                                          "Invalid params: subscriptions/listen needs "
                                          "\"notifications\" as an object naming what to receive"};
               return decided;
             }
             if (const auto ids = wanted->find("taskIds"); ids != wanted->end()) {
               if (!scope.client_declares_extension(kTasksExtension) || tasks_ == nullptr) {
                 decided.refusal =
                     missing_capability(json{{"extensions", {{kTasksExtension, json::object()}}}},
                                        "task notifications belong to the tasks extension");
                 return decided;
               }
               bool strings = ids->is_array();
               for (const auto& id : strings ? *ids : json::array())
                 strings = strings && id.is_string();
               if (!strings || ids->size() > options_.max_subscribed_tasks) {
                 decided.refusal = RpcError{rpc::kInvalidParams,
                                            "Invalid params: notifications.taskIds must be an "
                                            "array of task ids (strings), at most " +
                                                std::to_string(options_.max_subscribed_tasks)};
                 return decided;
               }
             }
             return decided;
           },
       .handler = [this](const MethodCall& call) { return listen(call); }});
}

MethodResult McpServer::listen(const MethodCall& call) const {
  const RequestScope& scope = call.scope;
  const json& wanted = call.params["notifications"];
  const json subscription = scope.request_id;
  // The tasks followed: those of the caller among the ids asked for; another caller's id is
  // not honoured, exactly like an unknown one.
  std::map<std::string, TaskMark> followed;
  json honoured = json::object();
  if (const auto ids = wanted.find("taskIds"); ids != wanted.end()) {
    json kept = json::array();
    for (const auto& id : *ids) {
      const std::string text = id.get<std::string>();
      if (followed.count(text) != 0) continue;
      if (auto t = tasks_->get(scope.principal, text)) {
        followed.emplace(text, TaskMark::of(*t));
        kept.push_back(text);
      }
    }
    honoured["taskIds"] = std::move(kept);
  }
  call.context->notify(
      for_subscription(rpc::make_notification("notifications/subscriptions/acknowledged",
                                              json{{"notifications", std::move(honoured)}}),
                       subscription));
  log::debug("mcp", "subscription opened",
             {{"tasks", followed.size()}, {"trace_id", scope.trace_id}});
  while (call.context->hold_for(options_.subscription_poll)) {
    for (auto it = followed.begin(); it != followed.end();) {
      auto t = tasks_->get(scope.principal, it->first);
      if (!t && t.error().code != ErrorCode::NotFound) {  // the store did not answer: next turn
        ++it;
        continue;
      }
      if (!t) {  // deleted by housekeeping: nothing more to say about it
        it = followed.erase(it);
        continue;
      }
      const TaskMark now = TaskMark::of(*t);
      if (now != it->second) {
        it->second = now;
        call.context->notify(for_subscription(
            rpc::make_notification("notifications/tasks", task_json(std::move(*t), scope, true)),
            subscription));
      }
      ++it;
    }
  }
  // Cancelled by the client: answered with nothing (the dispatcher drops it). Asked to end by a
  // server closing gracefully: this result is the revision's "the subscription is over".
  return json{{"_meta", {{kMetaSubscriptionId, subscription}}}};
}

}  // namespace nmcp::mcp
