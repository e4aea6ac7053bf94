#include "mcp/server/mcp_server.h"

#include <cstdint>
#include <exception>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "mcp/server/method_params.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;
namespace rpc = jsonrpc;

namespace {

// Trace ids only need to be unique enough to find a request in the logs, not unguessable, so a
// per-thread generator seeded once from the OS replaces a CSPRNG call per request.
std::string new_trace_id() {
  thread_local std::uint64_t state = [] {
    const std::string seed = random_hex(8);
    return std::stoull(seed, nullptr, 16) | 1U;
  }();
  // splitmix64
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  z ^= z >> 31U;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4U) out[static_cast<std::size_t>(i)] = kDigits[z & 0xFU];
  return out;
}

}  // namespace

McpServer::McpServer(ServerOptions options, const ToolRegistry& tools, ThreadPool& executor,
                     const ResourceProvider* resources)
    : options_(std::move(options)),
      tools_(tools),
      executor_(executor),
      resources_(resources),
      tenant_calls_(std::make_shared<TenantCalls>(options_.call_limits.per_tenant)) {
  add_lifecycle_methods();
  add_tool_methods();
  if (resources_ != nullptr) add_resource_methods();
  add_modern_methods();
  add_subscription_methods();
  middleware_.push_back(authorise_requests(options_.on_decision));
  middleware_.push_back(limit_tenant_calls(tenant_calls_));
  middleware_.push_back(log_requests());
}

void McpServer::handle_text(const std::shared_ptr<Session>& session, std::string_view text,
                            const std::shared_ptr<Outbound>& out, ToolDispatch dispatch) {
  auto value = rpc::parse(text, options_.parse_limits);
  if (!value) {
    out->complete(rpc::make_error(nullptr, rpc::kParseError,
                                  rpc::parse_error_message(text, options_.parse_limits)));
    return;
  }
  handle(session, *value, out, dispatch);
}

void McpServer::handle(const std::shared_ptr<Session>& session, const json& message,
                       const std::shared_ptr<Outbound>& out, ToolDispatch dispatch) {
  session->touch();
  auto classified = rpc::classify(message);
  if (const auto* invalid = std::get_if<rpc::Invalid>(&classified)) {
    out->complete(rpc::make_error(invalid->id, invalid->code, invalid->message));
    return;
  }
  const auto& m = std::get<rpc::Message>(classified);
  switch (m.kind) {
    case rpc::Kind::Response:
      // This server sends no requests, so there is nothing to match a response to.
      log::debug("mcp", "ignoring a response from the client", {{"id", m.id}});
      out->complete(std::nullopt);
      return;
    case rpc::Kind::Notification:
      handle_notification(session, m);
      out->complete(std::nullopt);
      return;
    case rpc::Kind::Request:
      handle_request(session, m, out, dispatch);
      return;
  }
}

namespace {

// The params every method reads: an object, or {} when absent.
tl::expected<const json*, RpcError> params_of(const rpc::Message& m) {
  static const json kEmpty = json::object();
  if (m.params.is_null()) return &kEmpty;
  if (!m.params.is_object()) {
    return rpc_fail(rpc::kInvalidParams, "Invalid params: \"params\" must be an object");
  }
  return &m.params;
}

}  // namespace

void McpServer::handle_request(const std::shared_ptr<Session>& session, const rpc::Message& m,
                               const std::shared_ptr<Outbound>& out, ToolDispatch dispatch) {
  const bool modern = claims_modern_framing(m.params);
  RequestScope scope;
  std::optional<RpcError> framing;
  if (modern) {
    // The session only tracks a modern request (cancellation); it lends it no state.
    auto from_meta = scope_from_meta(session->principal(), m, kModernVersions, new_trace_id());
    if (from_meta) {
      scope = std::move(*from_meta);
      scope.session = session;
    } else {
      framing = std::move(from_meta.error());
    }
  } else {
    scope = scope_from_session(session, m, new_trace_id());
  }
  const auto refuse = [&](const RpcError& e) {
    log::debug("mcp", "request rejected",
               {{"method", m.method}, {"code", e.code}, {"trace_id", scope.trace_id}});
    out->complete(rpc::make_error(m.id, e.code, e.message, e.data));
  };
  if (framing) return refuse(*framing);
  if (m.method.rfind("notifications/", 0) == 0) {
    return refuse({rpc::kInvalidRequest, "Invalid Request: \"" + m.method.substr(0, 100) +
                                             "\" is a notification; send it without an \"id\""});
  }
  const MethodEntry* entry = table_.find(m.method);
  // A method of the other era only (initialize in the modern framing, server/discover's
  // modern-only kin in a legacy session) is "method not found", saying why.
  const bool other_era = entry != nullptr && entry->kind == MethodEntry::Kind::Request &&
                         !(modern ? entry->modern : entry->legacy);
  if (entry != nullptr && (entry->kind != MethodEntry::Kind::Request || other_era)) {
    entry = nullptr;
  }
  if (!modern && (entry == nullptr || !entry->before_initialize) && !session->initialized()) {
    return refuse({rpc::kInvalidRequest,
                   "Server not initialized: send initialize before \"" + m.method + "\""});
  }
  if (entry == nullptr) {
    return refuse({rpc::kMethodNotFound,
                   "Method not found: " + m.method.substr(0, 100) +
                       (!other_era ? ""
                        : modern   ? " (MCP " + scope.version_text + " removed it)"
                                   : " (a MCP 2026-07-28 method; send it with params._meta)")});
  }
  const auto params = params_of(m);
  if (!params) return refuse(params.error());

  std::string subject = entry->subject ? entry->subject(**params) : std::string();
  if (subject.empty()) subject = entry->method;
  try {
    const MethodCall call{*entry, scope, **params, subject, string_member(**params, "uri"),
                          nullptr};
    auto holds = admit_all(middleware_, call);
    if (!holds) return refuse(holds.error());
    if (entry->counted) {
      if (auto refused = dispatch_counted(*entry, std::move(scope), **params, std::move(subject),
                                          std::move(*holds), out, dispatch)) {
        return refuse(*refused);
      }
      return;
    }
    MethodResult result = run_around(middleware_, call, [&] { return entry->handler(call); });
    if (!result) return refuse(result.error());
    if (modern) *result = modern_answer(*entry, std::move(*result));
    out->complete(rpc::make_result(m.id, std::move(*result)));
  } catch (const std::exception& e) {
    log::error("mcp", "request failed with an internal error",
               {{"method", m.method}, {"trace_id", scope.trace_id}, {"what", e.what()}});
    out->complete(rpc::make_error(m.id, rpc::kInternalError,
                                  "Internal error (trace id " + scope.trace_id + ")"));
  }
}

std::optional<RpcError> McpServer::dispatch_counted(const MethodEntry& entry, RequestScope scope,
                                                    const json& params, std::string subject,
                                                    std::vector<std::shared_ptr<void>> holds,
                                                    const std::shared_ptr<Outbound>& out,
                                                    ToolDispatch dispatch) {
  const std::shared_ptr<Session> session = scope.session;
  const json id = scope.request_id;
  auto context = std::make_shared<RequestContext>(std::move(scope), out);
  const std::string key = rpc::id_key(id);
  switch (session->add_request(key, context, options_.call_limits.per_session)) {
    case Session::Added::Yes:
      break;
    case Session::Added::Closed:
      return RpcError{rpc::kInvalidRequest, "Invalid Request: the session has ended"};
    case Session::Added::DuplicateId:
      return RpcError{rpc::kInvalidRequest,
                      "Invalid Request: a request with this id is already in flight; use a new "
                      "id for each request"};
    case Session::Added::Full:
      return RpcError{
          rpc::kServerBusy,
          "Server busy: this session already has " +
              std::to_string(options_.call_limits.per_session) +
              " tool calls in flight, its limit; retry when one of them has finished",
          json{{"limit", "calls_per_session"}, {"max", options_.call_limits.per_session}}};
  }
  auto job = [this, &entry, session, context, params, out, key, id, subject = std::move(subject),
              holds = std::move(holds)]() mutable {
    std::optional<json> response;
    try {
      const MethodCall call{entry, context->scope(), params, subject, {}, context.get()};
      MethodResult result = run_around(middleware_, call, [&] { return entry.handler(call); });
      if (result && context->scope().era == Era::Modern) {
        *result = modern_answer(entry, std::move(*result));
      }
      response = result ? rpc::make_result(id, std::move(*result))
                        : rpc::make_error(id, result.error().code, result.error().message,
                                          result.error().data);
    } catch (const std::exception& e) {
      log::error("mcp", "a call failed with an internal error",
                 {{"method", entry.method}, {"trace_id", context->trace_id()}, {"what", e.what()}});
      response = rpc::make_error(id, rpc::kInternalError,
                                 "Internal error (trace id " + context->trace_id() + ")");
    }
    session->remove_request(key);
    holds.clear();
    context->finish();
    // A cancelled request gets no response at all (the protocol forbids one).
    out->complete(context->cancelled() ? std::nullopt : std::move(response));
  };
  if (dispatch == ToolDispatch::Caller) {
    job();
    return std::nullopt;
  }
  if (!executor_.try_submit(std::move(job))) {
    session->remove_request(key);
    return RpcError{rpc::kServerBusy,
                    "Server busy: too many tool calls in progress; retry in a few seconds"};
  }
  return std::nullopt;
}

void McpServer::handle_notification(const std::shared_ptr<Session>& session,
                                    const rpc::Message& m) {
  const MethodEntry* entry = table_.find(m.method);
  if (entry == nullptr || entry->kind != MethodEntry::Kind::Notification) {
    // Unknown notifications are ignored, as the protocol requires.
    log::debug("mcp", "ignoring notification", {{"method", m.method}});
    return;
  }
  static const json kEmpty = json::object();
  const json& params = m.params.is_object() ? m.params : kEmpty;
  const RequestScope scope = scope_from_session(session, m, new_trace_id());
  try {
    const MethodCall call{*entry, scope, params, entry->method, {}, nullptr};
    if (!admit_all(middleware_, call)) return;
    (void)run_around(middleware_, call, [&] { return entry->handler(call); });
  } catch (const std::exception& e) {
    log::error("mcp", "notification handler failed", {{"method", m.method}, {"what", e.what()}});
  }
}

bool McpServer::allows(const Principal& principal, const ToolDefinition& tool) {
  return principal.may_use(tool.name) &&
         (!principal.read_only || tool.annotations.read_only.value_or(false));
}

}  // namespace nmcp::mcp
