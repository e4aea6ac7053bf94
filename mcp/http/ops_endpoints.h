#pragma once
// The operational endpoints every listener serves the same way: GET /health (the process is
// alive), GET /ready (200 or 503 with a JSON body naming each reason) and GET /metrics (the
// Prometheus text format). Served without an API key, like /health: orchestrators and
// Prometheus probe them, and they carry no tenant's data and no secret. ops_response() is the
// one definition; the MCP HTTP transport and the small ops listener (ops_listener.h) both call
// it. Thread-safety: the callbacks are called from HTTP threads concurrently.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace nmcp::mcp {

struct OpsEndpoints {
  // Whether the process is ready, and the JSON body to answer with. Null: /ready says ready.
  std::function<std::pair<bool, std::string>()> ready;
  // The metrics in the Prometheus text format. Null: /metrics is not served (404).
  std::function<std::string()> metrics;
};

struct OpsResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

// The answer for `path`, or nullopt when it is not an operational path.
std::optional<OpsResponse> ops_response(const OpsEndpoints& ops, std::string_view path);
bool is_ops_path(std::string_view path);

}  // namespace nmcp::mcp
