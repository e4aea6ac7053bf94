#include "mcp/server/call_middleware.h"

#include <chrono>

#include "core/base/logging.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

namespace {
nlohmann::json run_from(const std::vector<CallMiddleware>& chain, std::size_t i,
                        const CallInfo& call, const CallNext& handler) {
  if (i == chain.size()) return handler();
  return chain[i](call, [&] { return run_from(chain, i + 1, call, handler); });
}
}  // namespace

nlohmann::json run_chain(const std::vector<CallMiddleware>& chain, const CallInfo& call,
                         const CallNext& handler) {
  return run_from(chain, 0, call, handler);
}

CallMiddleware log_calls() {
  return [](const CallInfo& call, const CallNext& next) {
    if (call.kind != CallInfo::Kind::Tool) return next();
    const auto started = std::chrono::steady_clock::now();
    nlohmann::json result = next();  // an exception is logged by the dispatcher
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::info("mcp", "tool call finished",
              {{"tool", call.name},
               {"tenant", call.tenant},
               {"trace_id", call.trace_id},
               {"duration_ms", ms},
               {"cancelled", call.context != nullptr && call.context->cancelled()},
               {"is_error", result.is_object() && result.value("isError", false)}});
    return result;
  };
}

}  // namespace nmcp::mcp
