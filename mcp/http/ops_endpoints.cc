#include "mcp/http/ops_endpoints.h"

namespace nmcp::mcp {

bool is_ops_path(std::string_view path) {
  return path == "/health" || path == "/ready" || path == "/metrics";
}

std::optional<OpsResponse> ops_response(const OpsEndpoints& ops, std::string_view path) {
  if (path == "/health") return OpsResponse{200, "application/json", R"({"status":"ok"})"};
  if (path == "/ready") {
    if (!ops.ready) return OpsResponse{200, "application/json", R"({"ready":true})"};
    auto [ready, body] = ops.ready();
    return OpsResponse{ready ? 200 : 503, "application/json", std::move(body)};
  }
  if (path == "/metrics") {
    if (!ops.metrics) return OpsResponse{404, "text/plain", "metrics are not enabled\n"};
    return OpsResponse{200, "text/plain; version=0.0.4; charset=utf-8", ops.metrics()};
  }
  return std::nullopt;
}

}  // namespace nmcp::mcp
