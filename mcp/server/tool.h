#pragma once
// What a tool is: its definition as clients see it in tools/list, the result a handler
// returns, and the handler signature. Tool results are values; a handler reports a domain
// failure with ToolResult::failure (an isError result the model can act on) and never needs
// to throw.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nmcp::mcp {

class RequestContext;

// Hints for clients (untrusted by them); unset fields are omitted and take the spec defaults.
struct ToolAnnotations {
  std::optional<bool> read_only;
  std::optional<bool> destructive;
  std::optional<bool> idempotent;
  std::optional<bool> open_world;
};

struct ToolDefinition {
  std::string name;         // [A-Za-z0-9_.-]{1,128}, unique
  std::string title;        // short human title
  std::string description;  // what it does and when to use it, for the model
  nlohmann::json input_schema = {{"type", "object"}, {"additionalProperties", false}};
  nlohmann::json output_schema;  // null when the tool returns no structured content
  ToolAnnotations annotations;
  // The call may start long-running work a client can follow as a task (its result carries
  // ToolResult::task_id): MCP 2025-11-25 lists it as execution.taskSupport "optional".
  bool task_optional = false;
  // Client capabilities the tool cannot work without (a ClientCapabilities object, e.g.
  // {"elicitation":{}}): a 2026-07-28 request whose client did not declare them is refused
  // -32021 before the tool runs.
  nlohmann::json requires_client = nlohmann::json::object();
};

struct ToolResult {
  nlohmann::json structured;  // an object conforming to the output schema, or null
  nlohmann::json content = nlohmann::json::array();  // content blocks; empty: mirror `structured`
  // resource_link blocks sent after the content to clients that know them (2025-06-18 on).
  std::vector<nlohmann::json> links;
  bool is_error = false;
  // The long-running work this call started, when it started some (a scan task): a client that
  // takes MCP tasks is answered with this task instead of the result (task_source.h).
  std::string task_id;

  static ToolResult success(nlohmann::json structured, std::string text = {});
  static ToolResult failure(std::string message);
};

using ToolHandler = std::function<ToolResult(const nlohmann::json& arguments, RequestContext&)>;

}  // namespace nmcp::mcp
