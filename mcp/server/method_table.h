#pragma once
// MethodTable: every JSON-RPC method the server answers, registered once with what the
// dispatcher needs to know about it: whether it may come before initialize, whether it is a
// counted call (cancellable, counted against the per-session and per-tenant limits, run where
// the transport's ToolDispatch says), how the caller's right to make it is decided, what it
// acts on (for logs and metrics), and its handler. The dispatcher (McpServer) runs every entry
// through the same steps and the same middleware; a new method is one add() call.
//
// Thread-safety: fill the table before serving; afterwards it is read-only.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/server/request_scope.h"
#include "mcp/server/rpc_error.h"

namespace nmcp::mcp {

class RequestContext;
struct MethodCall;

// The caller's right to make one request, decided before the request is dispatched.
struct Authorisation {
  std::optional<RpcError> refusal;  // set: refused with this error
  std::string tool;                 // the tool whose right was decided (for the audit log)
  std::string rule;                 // why, in words
  bool audit = false;               // a decision worth recording (refusals; allowed changes)

  static Authorisation allow() { return {}; }
};

// How long a client may keep a result (2026-07-28 caching: ttlMs and cacheScope on the modern
// answer of a cacheable method).
struct CacheHint {
  std::int64_t ttl_ms = 0;
  // Whether the result is the same for every caller ("public"); otherwise it depends on the
  // caller's key ("private": a tools list filtered by its rights).
  bool shared = false;
};

struct MethodEntry {
  enum class Kind { Request, Notification };
  std::string method;
  Kind kind = Kind::Request;
  // The eras that define the method. initialize, ping and logging/setLevel exist only in the
  // legacy era; server/discover and the 2026 tasks methods only in the modern one. A request
  // for a method its era lacks is "method not found".
  bool legacy = true;
  bool modern = true;
  // Set for a cacheable method: the hint its modern answers carry.
  std::optional<CacheHint> cache = {};
  // May come before initialize (initialize, ping, server/discover, notifications).
  bool before_initialize = false;
  // A call: registered for notifications/cancelled, counted against CallLimits, run on the
  // executor when the transport asks for it, and given a RequestContext.
  bool counted = false;
  // What the request acts on, for logs and metrics (a tool's name); empty: the method itself.
  std::function<std::string(const nlohmann::json& params)> subject = {};
  // The caller's right to make this request; unset: any authenticated caller may (a list
  // method then filters its result by what the caller may use).
  std::function<Authorisation(const RequestScope&, const nlohmann::json& params)> authorise = {};
  // The handler: the result object, or the error to answer with. `context` is set for counted
  // methods. Notifications' results are dropped.
  std::function<MethodResult(const MethodCall&)> handler = {};
};

class MethodTable {
 public:
  // Adds or replaces the entry for entry.method.
  void add(MethodEntry entry);
  const MethodEntry* find(const std::string& method) const;
  // The registered method names, sorted.
  std::vector<std::string> methods() const;

 private:
  std::map<std::string, MethodEntry> entries_;
};

}  // namespace nmcp::mcp
