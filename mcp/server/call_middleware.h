#pragma once
// The seam around tool calls and resource reads. A middleware is a function of the call and of
// `next` (the rest of the chain, ending in the handler): it calls next() once, may look at what
// it returned or threw, and returns (or rethrows) it. Per-call concerns attach here, once,
// instead of inside each handler or transport: the call log line (log_calls()), installed by
// every McpServer; metrics (the composition root adds them). Results are not masked here:
// secrets are masked where text comes in from elsewhere (Nessus's errors and exports), never in
// the caller's own text, so that masking is not an oracle (core/base/secret_values.h).
//
// Thread-safety: middlewares run on whatever thread runs the call, concurrently; they must be
// safe to call from many threads.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace nmcp::mcp {

class RequestContext;

struct CallInfo {
  enum class Kind { Tool, Resource } kind = Kind::Tool;
  std::string name;    // the tool's name; "resources/read" for a read (never the uri: unbounded)
  std::string detail;  // a resource's uri, for logs only
  std::string tenant;
  std::string trace_id;
  const RequestContext* context = nullptr;  // tool calls: cancellation, progress
};

using CallNext = std::function<nlohmann::json()>;
using CallMiddleware = std::function<nlohmann::json(const CallInfo&, const CallNext& next)>;

// Runs `handler` inside every middleware of `chain`, the first outermost.
nlohmann::json run_chain(const std::vector<CallMiddleware>& chain, const CallInfo& call,
                         const CallNext& handler);

// One log line per finished call: tool, tenant, trace id, duration, cancelled, isError.
CallMiddleware log_calls();

}  // namespace nmcp::mcp
