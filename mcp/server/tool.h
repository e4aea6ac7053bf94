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
};

struct ToolResult {
  nlohmann::json structured;  // an object conforming to the output schema, or null
  nlohmann::json content = nlohmann::json::array();  // content blocks; empty: mirror `structured`
  // resource_link blocks sent after the content to clients that know them (2025-06-18 on).
  std::vector<nlohmann::json> links;
  bool is_error = false;

  static ToolResult success(nlohmann::json structured, std::string text = {});
  static ToolResult failure(std::string message);
};

using ToolHandler = std::function<ToolResult(const nlohmann::json& arguments, RequestContext&)>;

}  // namespace nmcp::mcp
