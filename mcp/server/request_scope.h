#pragma once
// RequestScope: everything one request runs with, decided when it arrives and fixed for its
// life: who asks (the principal), in which protocol era and version, with which client
// capabilities, the log level its notifications/message must pass, its progress token and id,
// its trace id, and the method. Handlers and middleware read the scope, never the session, so
// the same handler serves a legacy request (the scope filled from its Session, negotiated once
// by initialize) and a 2026-07-28 request (the scope filled from the request's own `_meta`, no
// session at all).
//
// Thread-safety: a scope is a value; `session` is shared and itself thread-safe.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc/message.h"
#include "mcp/protocol/log_level.h"
#include "mcp/protocol/version.h"
#include "mcp/server/rpc_error.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

// Which revision's framing a request came in. Legacy: initialize opened a session and the
// version, capabilities and log level are the session's. Modern (2026-07-28 on): every request
// carries them in `_meta` and stands alone.
enum class Era { Legacy, Modern };

// The `_meta` keys a 2026-07-28 request carries.
inline constexpr const char* kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr const char* kMetaLogLevel = "io.modelcontextprotocol/logLevel";

struct RequestScope {
  Era era = Era::Legacy;
  // The feature set the request is served with: the negotiated legacy version, or for a
  // modern request the newest legacy feature set (every 2025 feature is in the modern era).
  ProtocolVersion version = kLatestVersion;
  std::string version_text;  // as the client named it ("2025-06-18", "2026-07-28")
  Principal principal;
  nlohmann::json client_capabilities = nlohmann::json::object();
  nlohmann::json client_info = nlohmann::json::object();
  // notifications/message below this level are not sent; nullopt: none at all (a modern
  // request without a logLevel).
  std::optional<McpLogLevel> log_level;
  nlohmann::json progress_token;  // null when the client asked for no progress
  nlohmann::json request_id;      // null for a notification
  std::string method;
  std::string trace_id;
  // The legacy session the request belongs to; null for a modern request. Kept for what only
  // a session has: in-flight requests to cancel, and a level that logging/setLevel changes
  // while a call runs.
  std::shared_ptr<Session> session;

  // The log level in force now (a legacy session's level may change during a call).
  std::optional<McpLogLevel> current_log_level() const;
  // Whether the client declared `capability` (a top-level key of its ClientCapabilities, e.g.
  // "elicitation"), or the extension `extension` under "extensions".
  bool client_declares(std::string_view capability) const;
  bool client_declares_extension(std::string_view extension) const;
  // What of `required` (a ClientCapabilities object) the client did not declare: top-level
  // capabilities by key, extensions one by one; {} when it declared everything.
  nlohmann::json undeclared(const nlohmann::json& required) const;
};

// Whether a message claims the modern framing: its params' `_meta` names a protocol version
// (whatever its value; a malformed claim is refused by scope_from_meta, never served as legacy).
bool claims_modern_framing(const nlohmann::json& params);

// The progress token a request's params carry in `_meta`, or null.
nlohmann::json progress_token_of(const nlohmann::json& params);

// A legacy request's scope: the session's principal (its key's rights as of now), version,
// capabilities and log level.
RequestScope scope_from_session(const std::shared_ptr<Session>& session,
                                const jsonrpc::Message& message, std::string trace_id);

// A 2026-07-28 request's scope, from its `_meta` alone (no earlier request counts). Refused
// -32602 when a required key is missing or malformed, -32022 (with the supported list) when
// the version is not one of `supported`.
tl::expected<RequestScope, RpcError> scope_from_meta(Principal principal,
                                                     const jsonrpc::Message& message,
                                                     std::span<const std::string_view> supported,
                                                     std::string trace_id);

// The 2026-07-28 error codes: HTTP headers that disagree with the body, a capability the
// request needs and its client did not declare (data.requiredCapabilities), and a protocol
// version the server does not speak (data.supported).
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;

// -32021 for a request that needs `capabilities` (a ClientCapabilities object, e.g.
// {"extensions":{"io.modelcontextprotocol/tasks":{}}}) its client did not declare.
RpcError missing_capability(nlohmann::json capabilities, const std::string& why);

}  // namespace nmcp::mcp
