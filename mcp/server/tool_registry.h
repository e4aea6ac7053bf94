#pragma once
// ToolRegistry: the tools a server offers, in registration order (which is the stable
// tools/list order). add() checks a definition before accepting it: the name rules, unique
// names, schemas that compile and describe objects, valid x-mcp-header annotations. call()
// validates arguments against the input schema, runs the handler, and checks what it returned
// against the output schema.
//
// Thread-safety: fill the registry before serving; afterwards it is read-only and every const
// method is safe to call concurrently.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "mcp/protocol/header_params.h"
#include "mcp/protocol/version.h"
#include "mcp/schema/json_schema.h"
#include "mcp/server/tool.h"

namespace nmcp::mcp {

class ToolRegistry {
 public:
  struct Entry {
    ToolDefinition definition;
    JsonSchema input;
    std::optional<JsonSchema> output;
    ToolHandler handler;
    // The arguments its inputSchema mirrors into HTTP headers (x-mcp-header).
    std::vector<HeaderParam> header_params;
  };

  Status add(ToolDefinition definition, ToolHandler handler);

  const Entry* find(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }

  // The tools/list entry for `entry`, shaped for the negotiated protocol version.
  // `tasks`: the server offers 2025-11-25 tasks, so a tool that may start one says so.
  static nlohmann::json describe(const Entry& entry, ProtocolVersion version, bool tasks = false);

  // Runs the tool and returns a CallToolResult object. Never throws: invalid arguments, a
  // handler exception and a non-conforming result all become isError results.
  // `task_id`, when given, receives the result's ToolResult::task_id (empty for none, and for
  // a result that is an error).
  static nlohmann::json call(const Entry& entry, const nlohmann::json& arguments,
                             RequestContext& context, ProtocolVersion version,
                             std::string* task_id = nullptr);
  // A handler's result as a CallToolResult object: checked against the entry's outputSchema
  // (a mismatch is an isError result naming `trace_id`), shaped for `version`.
  static nlohmann::json render(const Entry& entry, ToolResult result, const std::string& trace_id,
                               ProtocolVersion version);

 private:
  std::vector<Entry> entries_;
};

bool is_valid_tool_name(std::string_view name);

}  // namespace nmcp::mcp
