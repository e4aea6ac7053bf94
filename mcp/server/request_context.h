#pragma once
// RequestContext: what a tool handler may do besides returning its result: notice that the
// client cancelled, wait without ignoring cancellation, report progress, and send log messages
// to the client. Notifications reach the transport stream that carries the request's
// response; none are sent once the request has finished or when the client did not ask
// (no progressToken; log level below the request's threshold, or none in a modern request).
// It carries the request's scope (request_scope.h): a legacy session's or a modern request's.
//
// Thread-safety: every method may be called from any thread. cancel(), ask_to_end() and
// finish() are for the server; handlers use the rest.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp/protocol/log_level.h"
#include "mcp/protocol/version.h"
#include "mcp/server/request_scope.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

class Outbound;
class Session;

class RequestContext {
 public:
  RequestContext(RequestScope scope, std::shared_ptr<Outbound> outbound);

  bool cancelled() const;

  // Waits for `duration`; returns false as soon as the request is cancelled.
  bool sleep_for(std::chrono::milliseconds duration);

  // For a request with no end of its own (a subscription, a wait for a task's result): waits
  // like sleep_for, and also returns false once the server closing gracefully (end of input, a
  // drain) asks such requests to end. Unlike a cancelled one, a request asked to end answers,
  // and its answer is sent. Tool calls use sleep_for: a drain lets them finish.
  bool hold_for(std::chrono::milliseconds duration);
  void ask_to_end();
  bool asked_to_end() const;

  // Sends notifications/progress when the client supplied a progressToken. Values that do not
  // increase are dropped: the protocol requires strictly increasing progress.
  void report_progress(double progress, std::optional<double> total = std::nullopt,
                       std::string_view message = {});

  // Sends notifications/message if `level` passes the session's threshold. `data` is
  // redacted (core/base/redact.h) before it leaves.
  void log(McpLogLevel level, std::string_view logger, const nlohmann::json& data);

  // Sends a notification that belongs to this request (a subscription's), unless it has
  // finished or was cancelled.
  void notify(const nlohmann::json& notification) { send_notification(notification); }

  // Whether the caller takes MCP tasks for this call (it declared the extension, or asked with
  // params.task): a tool that can run either way then starts its work and names it in
  // ToolResult::task_id instead of doing it before it returns. Set by tools/call.
  bool takes_tasks() const { return takes_tasks_; }
  void set_takes_tasks(bool takes) { takes_tasks_ = takes; }

  const nlohmann::json& request_id() const { return scope_.request_id; }
  const std::string& trace_id() const { return scope_.trace_id; }
  // The caller's tenant, and the pools its key may submit to (nullopt: every pool), as the key's
  // rights stood when this request started.
  const std::string& principal() const { return scope_.principal.tenant; }
  // Everything the caller's key allows, as it stood when this request started.
  const Principal& caller() const { return scope_.principal; }
  const std::optional<std::set<std::string>>& allowed_pools() const {
    return scope_.principal.allowed_pools;
  }
  ProtocolVersion protocol_version() const { return scope_.version; }
  const RequestScope& scope() const { return scope_; }

  void cancel();
  // After finish() no notification is sent for this request.
  void finish();

 private:
  // Waits for `duration`; false once cancelled (or, when `ends_when_asked`, asked to end).
  bool wait(std::chrono::milliseconds duration, bool ends_when_asked);
  // Sends unless the request already finished or was cancelled.
  void send_notification(const nlohmann::json& message);

  const RequestScope scope_;
  const std::shared_ptr<Outbound> outbound_;

  // Held while a notification is being handed to the transport, and by finish(), so that no
  // notification can follow the response. Never held by cancel().
  std::mutex send_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;               // guarded by mu_
  bool asked_to_end_ = false;            // guarded by mu_
  bool takes_tasks_ = false;             // set before the handler runs, on its thread
  bool finished_ = false;                // guarded by mu_
  std::optional<double> last_progress_;  // guarded by mu_
};

}  // namespace nmcp::mcp
