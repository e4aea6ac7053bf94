#pragma once
// The seam around every JSON-RPC method (requests and notifications alike). A Middleware has
// up to two parts:
//  - admit: runs on the thread that received the request, before it is dispatched, in the
//    order the middleware was added; it may refuse the request (an RpcError) and may return a
//    hold that is kept until the call has finished (a tenant's call slot);
//  - around: wraps the handler where the handler runs, the first added outermost; it calls
//    next() once and returns (or passes on) what it returned.
// Per-request concerns attach here once instead of in each handler or transport. McpServer
// installs authorisation (authorise_requests), the per-tenant call limit (limit_tenant_calls)
// and the request log (log_requests) on every server; the composition root adds metrics.
// Results are not masked here: secrets are masked where text comes in from elsewhere (Nessus's
// errors and exports) and in log data sent to the client (RequestContext::log), never in the
// caller's own text, so that masking is not an oracle (core/base/secret_values.h).
//
// Thread-safety: middleware runs on whatever thread runs the call, concurrently; it must be
// safe to call from many threads.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server/call_limits.h"
#include "mcp/server/method_table.h"
#include "mcp/server/request_scope.h"
#include "mcp/server/rpc_error.h"

namespace nmcp::mcp {

class RequestContext;

// One request on its way through the middleware to its handler.
struct MethodCall {
  const MethodEntry& entry;
  const RequestScope& scope;
  const nlohmann::json& params;       // always an object
  std::string subject;                // a tool's name for tools/call; otherwise the method
  std::string detail;                 // the request's "uri" member ("" without one)
  RequestContext* context = nullptr;  // counted methods: cancellation, progress, client logs

  const std::string& method() const { return entry.method; }
};

using MethodNext = std::function<MethodResult()>;
using Admission = tl::expected<std::shared_ptr<void>, RpcError>;

struct Middleware {
  std::string name;
  std::function<Admission(const MethodCall&)> admit;                         // may be unset
  std::function<MethodResult(const MethodCall&, const MethodNext&)> around;  // may be unset
};

// Every admit of `chain` in order; the holds to keep while the call runs, or the first refusal.
tl::expected<std::vector<std::shared_ptr<void>>, RpcError> admit_all(
    const std::vector<Middleware>& chain, const MethodCall& call);

// Runs `handler` inside every around of `chain`, the first outermost.
MethodResult run_around(const std::vector<Middleware>& chain, const MethodCall& call,
                        const MethodNext& handler);

// A decision worth recording, reported by authorise_requests.
struct AuthorizationDecision {
  std::string tenant;
  std::string tool;
  bool allowed = false;
  std::string rule;
  std::string trace_id;
};

// The entry's own rule (MethodEntry::authorise) for every request; decisions worth recording
// go to `on_decision` (may be empty).
Middleware authorise_requests(std::function<void(const AuthorizationDecision&)> on_decision);

// Counted methods take one of the tenant's call slots for as long as they run.
Middleware limit_tenant_calls(std::shared_ptr<TenantCalls> calls);

// One log line per finished request: tool calls at info (tool, tenant, trace id, duration,
// cancelled, isError), every other method at debug.
Middleware log_requests();

}  // namespace nmcp::mcp
