#pragma once
// The tool catalogue: every product tool's definition as clients see it (name, title,
// description, annotations, input and output schemas) is a data file in mcp/tools/schemas,
// checked and compiled in by the build (tool_catalogue_gen). A tool binding takes its
// definition from here and supplies only the handler; ToolRegistry::call validates every
// result against the outputSchema of the file.
//
// Thread-safety: immutable data; every function may be called from any thread.

#include <span>
#include <string_view>

#include "core/base/result.h"
#include "mcp/server/tool.h"
#include "mcp/server/tool_registry.h"

namespace nmcp::mcp {

struct CataloguedTool {
  std::string_view name;
  std::string_view json;  // the file, compact
};

// Every file of mcp/tools/schemas, by name.
std::span<const CataloguedTool> catalogued_tools();

// The definition of `name`; NotFound when no file describes it.
Result<ToolDefinition> tool_definition(std::string_view name);

// Registers `name` with its catalogued definition and `handler`.
Status add_catalogued(ToolRegistry& registry, std::string_view name, ToolHandler handler);

}  // namespace nmcp::mcp
