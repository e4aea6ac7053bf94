#include "mcp/server/middleware.h"

#include <chrono>
#include <utility>

#include "core/base/logging.h"
#include "mcp/jsonrpc/message.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

namespace {

MethodResult run_from(const std::vector<Middleware>& chain, std::size_t i, const MethodCall& call,
                      const MethodNext& handler) {
  while (i < chain.size() && !chain[i].around) ++i;
  if (i == chain.size()) return handler();
  return chain[i].around(call, [&] { return run_from(chain, i + 1, call, handler); });
}

}  // namespace

tl::expected<std::vector<std::shared_ptr<void>>, RpcError> admit_all(
    const std::vector<Middleware>& chain, const MethodCall& call) {
  std::vector<std::shared_ptr<void>> holds;
  for (const auto& m : chain) {
    if (!m.admit) continue;
    auto admitted = m.admit(call);
    if (!admitted) return tl::unexpected(std::move(admitted.error()));
    if (*admitted) holds.push_back(std::move(*admitted));
  }
  return holds;
}

MethodResult run_around(const std::vector<Middleware>& chain, const MethodCall& call,
                        const MethodNext& handler) {
  return run_from(chain, 0, call, handler);
}

Middleware authorise_requests(std::function<void(const AuthorizationDecision&)> on_decision) {
  Middleware m;
  m.name = "authorisation";
  m.admit = [on_decision = std::move(on_decision)](const MethodCall& call) -> Admission {
    if (!call.entry.authorise) return nullptr;
    Authorisation decided = call.entry.authorise(call.scope, call.params);
    if (decided.audit && on_decision) {
      on_decision({call.scope.principal.tenant, decided.tool, !decided.refusal,
                   std::move(decided.rule), call.scope.trace_id});
    }
    if (decided.refusal) return tl::unexpected(std::move(*decided.refusal));
    return nullptr;
  };
  return m;
}

Middleware limit_tenant_calls(std::shared_ptr<TenantCalls> calls) {
  Middleware m;
  m.name = "tenant call limit";
  m.admit = [calls = std::move(calls)](const MethodCall& call) -> Admission {
    if (!call.entry.counted) return nullptr;
    const std::string& tenant = call.scope.principal.tenant;
    std::shared_ptr<TenantCalls::Slot> slot = calls->try_acquire(tenant);
    if (!slot) {
      return tl::unexpected(RpcError{
          jsonrpc::kServerBusy,
          "Server busy: this tenant already has " + std::to_string(calls->in_flight(tenant)) +
              " tool calls in flight, its limit is " + std::to_string(calls->limit()) +
              "; retry when one of them has finished",
          nlohmann::json{{"limit", "calls_per_tenant"}, {"max", calls->limit()}}});
    }
    return std::shared_ptr<void>(std::move(slot));
  };
  return m;
}

Middleware log_requests() {
  Middleware m;
  m.name = "request log";
  m.around = [](const MethodCall& call, const MethodNext& next) {
    const auto started = std::chrono::steady_clock::now();
    MethodResult result = next();  // an exception is logged by the dispatcher
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (call.method() == "tools/call") {
      log::info("mcp", "tool call finished",
                {{"tool", call.subject},
                 {"tenant", call.scope.principal.tenant},
                 {"trace_id", call.scope.trace_id},
                 {"duration_ms", ms},
                 {"cancelled", call.context != nullptr && call.context->cancelled()},
                 {"is_error", result && result->is_object() && result->value("isError", false)}});
    } else {
      log::debug(
          "mcp", "request finished",
          {{"method", call.method()},
           {"tenant", call.scope.principal.tenant},
           {"trace_id", call.scope.trace_id},
           {"duration_ms", ms},
           {"error", result ? nlohmann::json(nullptr) : nlohmann::json(result.error().code)}});
    }
    return result;
  };
  return m;
}

}  // namespace nmcp::mcp
