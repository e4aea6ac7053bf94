#include "mcp/tools/tool_catalogue.h"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace nmcp::mcp {

namespace {

std::optional<bool> hint(const nlohmann::json& annotations, const char* key) {
  const auto it = annotations.find(key);
  if (it == annotations.end()) return std::nullopt;
  return it->get<bool>();
}

}  // namespace

Result<ToolDefinition> tool_definition(std::string_view name) {
  for (const auto& tool : catalogued_tools()) {
    if (tool.name != name) continue;
    // The build checked the file's shape (tool_catalogue_gen).
    const auto file = nlohmann::json::parse(tool.json);
    ToolDefinition d;
    d.name = file.at("name").get<std::string>();
    d.title = file.at("title").get<std::string>();
    d.description = file.at("description").get<std::string>();
    d.input_schema = file.at("inputSchema");
    d.output_schema = file.value("outputSchema", nlohmann::json());
    const nlohmann::json& a = file.at("annotations");
    d.annotations = {hint(a, "readOnlyHint"), hint(a, "destructiveHint"), hint(a, "idempotentHint"),
                     hint(a, "openWorldHint")};
    if (const auto e = file.find("execution"); e != file.end()) {
      d.task_optional = e->value("taskSupport", "forbidden") == "optional";
    }
    return d;
  }
  return fail(ErrorCode::NotFound, "no tool \"" + std::string(name) + "\" in mcp/tools/schemas");
}

Status add_catalogued(ToolRegistry& registry, std::string_view name, ToolHandler handler) {
  auto definition = tool_definition(name);
  if (!definition) return fail(definition.error());
  return registry.add(std::move(*definition), std::move(handler));
}

}  // namespace nmcp::mcp
