#pragma once
// McpServer: the transport-independent MCP dispatcher. A transport hands it each decoded client
// message together with the Session it belongs to and an Outbound for the replies. Every
// JSON-RPC method is an entry of one MethodTable (method_table.h), registered in the
// constructor: initialize, ping, server/discover, tools/list, tools/call, logging/setLevel, the
// notifications, and, with a resource provider, resources/list, resources/templates/list and
// resources/read. Each request gets a RequestScope (request_scope.h) and passes through the
// same middleware (middleware.h): authorisation, the tenant's call limit, the request log, and
// whatever the composition root adds (metrics). Handlers return values; no exception refuses a
// request. A principal limited to some tools sees only the resources whose data one of those
// tools returns (ResourceInfo::tool).
//
// Counted methods (tools/call) run where the transport says (ToolDispatch): a transport that
// reads many messages on one thread (stdio, legacy SSE) hands them to the executor, so that a
// slow tool never blocks ping, cancellation or other calls, and the response reaches the
// Outbound later; a transport that gives every request a thread of its own (a Streamable HTTP
// POST) runs the call in place. Every other method is answered on the calling thread before
// handle() returns. A cancelled call sends no response at all.
//
// Two eras on one dispatcher (request_scope.h): a request whose `_meta` names a protocol version
// is a 2026-07-28 request, served on its own (no initialize; the session, if any, only tracks
// it for cancellation), answered with resultType, the server's identity in `_meta` and, for a
// cacheable method, ttlMs and cacheScope. Anything else is a legacy request of its session.
// With a TaskSource (task_source.h), a modern tools/call that starts long-running work returns
// a task to a client that declared the tasks extension, followed with tasks/get and
// tasks/cancel.
//
// Thread-safety: handle() may be called concurrently for the same or different sessions;
// use() and serve_tasks() only before the first message.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/base/periodic_jobs.h"
#include "core/base/thread_pool.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/protocol/log_level.h"
#include "mcp/server/call_limits.h"
#include "mcp/server/method_table.h"
#include "mcp/server/middleware.h"
#include "mcp/server/outbound.h"
#include "mcp/server/resource_provider.h"
#include "mcp/server/session.h"
#include "mcp/server/task_source.h"
#include "mcp/server/task_status_watch.h"
#include "mcp/server/tool_registry.h"

namespace nmcp::mcp {

// The answer to a server/discover without the 2026-07-28 framing (no protocol version in its
// `_meta`): a plain "method not found", which a dual-era client takes as "legacy: send
// initialize". One text, for the dispatcher and for a transport that answers before a session
// exists.
inline constexpr const char* kDiscoverNotSpoken =
    "Method not found: server/discover is a MCP 2026-07-28 request and needs params._meta with "
    "\"io.modelcontextprotocol/protocolVersion\" and "
    "\"io.modelcontextprotocol/clientCapabilities\"; "
    "MCP 2025 clients send initialize";

struct ServerInfo {
  std::string name;
  std::string title;
  std::string version;
  std::string description;
  std::string instructions;  // shown to the model by most hosts; keep it under 2 KB
};

struct ServerOptions {
  ServerInfo info;
  std::size_t tools_page_size = 100;
  // How often a subscriptions/listen stream looks at the tasks it follows (a change in the
  // store, made through any replica, reaches it within this), and how many it may follow.
  std::chrono::milliseconds subscription_poll{1000};
  std::size_t max_subscribed_tasks = 100;
  McpLogLevel default_log_level = McpLogLevel::Info;
  jsonrpc::ParseLimits parse_limits;
  CallLimits call_limits;
  // Called on the calling thread for each authorisation decision worth recording (a refusal;
  // an allowed call of a tool that changes something); must be thread-safe and quick.
  std::function<void(const AuthorizationDecision&)> on_decision;
};

// Where tools/call handlers run.
enum class ToolDispatch {
  Executor,  // on the executor; handle() returns at once
  Caller,    // on the thread calling handle(), which returns when the call is done
};

class McpServer {
 public:
  // `resources` may be null: the server then offers no resources capability.
  McpServer(ServerOptions options, const ToolRegistry& tools, ThreadPool& executor,
            const ResourceProvider* resources = nullptr);

  // Handles one message's text (parse errors answer -32700 with a null id).
  void handle_text(const std::shared_ptr<Session>& session, std::string_view text,
                   const std::shared_ptr<Outbound>& out,
                   ToolDispatch dispatch = ToolDispatch::Executor);

  // Handles one parsed message.
  void handle(const std::shared_ptr<Session>& session, const nlohmann::json& message,
              const std::shared_ptr<Outbound>& out, ToolDispatch dispatch = ToolDispatch::Executor);

  const ServerOptions& options() const { return options_; }
  // Tool calls of `tenant` in flight now (counted against CallLimits::per_tenant).
  std::size_t calls_in_flight(const std::string& tenant) const {
    return tenant_calls_->in_flight(tenant);
  }
  // Offers the tasks extension and 2025-11-25 tasks, backed by `tasks` (which must outlive the
  // server); starts the thread that sends 2025-11-25 task status notifications.
  void serve_tasks(const TaskSource& tasks);
  // Adds a middleware to every method, inside those added before. Call before the first
  // message is handled.
  void use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }
  // Every method this server answers.
  const MethodTable& methods() const { return table_; }
  // The arguments of `tool` mirrored into HTTP headers, for a transport to check against the
  // body; none for a tool `principal` may not call (or that does not exist), which is refused
  // later with the same words as any other.
  std::vector<HeaderParam> header_params(const Principal& principal, std::string_view tool) const;

 private:
  void handle_request(const std::shared_ptr<Session>& session, const jsonrpc::Message& m,
                      const std::shared_ptr<Outbound>& out, ToolDispatch dispatch);
  void handle_notification(const std::shared_ptr<Session>& session, const jsonrpc::Message& m);
  // Runs a counted method's call (admitted already) where `dispatch` says.
  std::optional<RpcError> dispatch_counted(const MethodEntry& entry, RequestScope scope,
                                           const nlohmann::json& params, std::string subject,
                                           std::vector<std::shared_ptr<void>> holds,
                                           const std::shared_ptr<Outbound>& out,
                                           ToolDispatch dispatch);

  // The table's entries, one file each (server_*_methods.cc).
  void add_lifecycle_methods();
  void add_tool_methods();
  void add_resource_methods();
  void add_modern_methods();        // server/discover
  void add_task_methods();          // tasks/*: server_task_methods.cc
  void add_subscription_methods();  // subscriptions/listen: server_subscription_methods.cc
  MethodResult listen(const MethodCall& call) const;

  // A modern request's result as answered: resultType, the server's identity, the cache hint.
  nlohmann::json modern_answer(const MethodEntry& entry, nlohmann::json result) const;
  MethodResult discover(const MethodCall& call) const;
  // The server's capabilities as discover (modern) and initialize (legacy, at `version`) state
  // them.
  nlohmann::json capabilities(Era era, ProtocolVersion version) const;

  MethodResult get_task(const MethodCall& call) const;
  MethodResult cancel_task(const MethodCall& call) const;
  MethodResult task_result(const MethodCall& call) const;
  MethodResult list_tasks(const MethodCall& call) const;
  // A task on the wire of the request's era: the extension's Task (with its result when
  // `detailed` and completed) or 2025-11-25's.
  nlohmann::json task_json(TaskSnapshot snapshot, const RequestScope& scope, bool detailed) const;
  // What a tools/call that started `snapshot` answers: CreateTaskResult of either era.
  nlohmann::json created_task(TaskSnapshot snapshot, const RequestScope& scope) const;
  // A completed task's CallToolResult; nullopt (logged) when its tool is unknown.
  std::optional<nlohmann::json> task_result_json(TaskSnapshot snapshot,
                                                 const RequestScope& scope) const;

  MethodResult initialize(const MethodCall& call);
  MethodResult list_tools(const MethodCall& call) const;
  MethodResult call_tool(const MethodCall& call) const;
  MethodResult list_resources(const MethodCall& call) const;
  MethodResult list_resource_templates(const MethodCall& call) const;
  MethodResult read_resource(const MethodCall& call) const;
  // The one rule of which tools a principal may list and call: tools=, then role=read-only.
  static bool allows(const Principal& principal, const ToolDefinition& tool);

  const ServerOptions options_;
  const ToolRegistry& tools_;
  ThreadPool& executor_;
  const ResourceProvider* resources_;
  const TaskSource* tasks_ = nullptr;   // set by serve_tasks() before serving
  MethodTable table_;                   // filled by the constructor; read-only after
  std::vector<Middleware> middleware_;  // set before serving; read-only after
  std::shared_ptr<TenantCalls> tenant_calls_;
  // 2025-11-25 task status notifications (serve_tasks); the runner is declared last so that it
  // stops before anything its job reads is destroyed.
  std::unique_ptr<TaskStatusWatch> task_watch_;
  std::unique_ptr<PeriodicJobs> watch_jobs_;
};

}  // namespace nmcp::mcp
