#include "mcp/server/tool_registry.h"

#include <exception>
#include <utility>

#include "core/base/logging.h"
#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxNameLength = 128;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json annotations_json(const ToolDefinition& d, ProtocolVersion version) {
  json a = json::object();
  // Before 2025-06-18 the title lived only in the annotations.
  if (version < ProtocolVersion::V2025_06_18 && !d.title.empty()) a["title"] = d.title;
  if (d.annotations.read_only) a["readOnlyHint"] = *d.annotations.read_only;
  if (d.annotations.destructive) a["destructiveHint"] = *d.annotations.destructive;
  if (d.annotations.idempotent) a["idempotentHint"] = *d.annotations.idempotent;
  if (d.annotations.open_world) a["openWorldHint"] = *d.annotations.open_world;
  return a;
}

Status check_object_schema(const json& schema, std::string_view which) {
  if (!schema.is_object() || schema.value("type", json()) != "object") {
    return fail(ErrorCode::InvalidArgument,
                std::string(which) + " must be a JSON Schema object with \"type\": \"object\"");
  }
  return ok();
}

json error_result(std::string text) {
  return json{{"content", json::array({{{"type", "text"}, {"text", std::move(text)}}})},
              {"isError", true}};
}

}  // namespace

ToolResult ToolResult::success(json structured, std::string text) {
  ToolResult r;
  r.structured = std::move(structured);
  if (!text.empty()) r.content.push_back({{"type", "text"}, {"text", std::move(text)}});
  return r;
}

ToolResult ToolResult::failure(std::string message) {
  ToolResult r;
  r.is_error = true;
  r.content.push_back({{"type", "text"}, {"text", std::move(message)}});
  return r;
}

bool is_valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status ToolRegistry::add(ToolDefinition definition, ToolHandler handler) {
  const std::string& name = definition.name;
  if (!is_valid_tool_name(name)) {
    return fail(ErrorCode::InvalidArgument,
                "tool name \"" + name + "\" must be 1-128 characters of [A-Za-z0-9_.-]");
  }
  if (find(name) != nullptr) {
    return fail(ErrorCode::AlreadyExists, "tool \"" + name + "\" is registered twice");
  }
  if (definition.title.empty() || definition.description.empty()) {
    return fail(ErrorCode::InvalidArgument,
                "tool \"" + name + "\" needs a title and a description");
  }
  if (!handler) return fail(ErrorCode::InvalidArgument, "tool \"" + name + "\" has no handler");
  if (auto s = check_object_schema(definition.input_schema, "inputSchema of " + name); !s) {
    return s;
  }
  auto input = JsonSchema::compile(definition.input_schema);
  if (!input) {
    return fail(ErrorCode::InvalidArgument,
                "inputSchema of " + name + " does not compile: " + input.error().message);
  }
  auto header_params = header_params_of(definition.input_schema, "inputSchema of " + name);
  if (!header_params) return fail(header_params.error());
  std::optional<JsonSchema> output;
  if (!definition.output_schema.is_null()) {
    if (auto s = check_object_schema(definition.output_schema, "outputSchema of " + name); !s) {
      return s;
    }
    auto compiled = JsonSchema::compile(definition.output_schema);
    if (!compiled) {
      return fail(ErrorCode::InvalidArgument,
                  "outputSchema of " + name + " does not compile: " + compiled.error().message);
    }
    output = std::move(*compiled);
  }
  entries_.push_back(Entry{std::move(definition), std::move(*input), std::move(output),
                           std::move(handler), std::move(*header_params)});
  return ok();
}

const ToolRegistry::Entry* ToolRegistry::find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.definition.name == name) return &e;
  }
  return nullptr;
}

json ToolRegistry::describe(const Entry& entry, ProtocolVersion version, bool tasks) {
  const ToolDefinition& d = entry.definition;
  json tool = {{"name", d.name}, {"description", d.description}, {"inputSchema", d.input_schema}};
  if (version >= ProtocolVersion::V2025_06_18) {
    tool["title"] = d.title;
    if (!d.output_schema.is_null()) tool["outputSchema"] = d.output_schema;
  }
  if (version >= ProtocolVersion::V2025_03_26) {
    json a = annotations_json(d, version);
    if (!a.empty()) tool["annotations"] = std::move(a);
  }
  if (tasks && d.task_optional && version >= ProtocolVersion::V2025_11_25) {
    tool["execution"] = {{"taskSupport", "optional"}};
  }
  return tool;
}

json ToolRegistry::call(const Entry& entry, const json& arguments, RequestContext& context,
                        ProtocolVersion version, std::string* task_id) {
  const std::string& name = entry.definition.name;
  if (auto violations = entry.input.validate(arguments); !violations.empty()) {
    return error_result("Invalid arguments for tool \"" + name + "\":\n" +
                        describe_violations("arguments", violations) +
                        "\nCorrect these arguments (see the tool's inputSchema) and call " + name +
                        " again.");
  }

  ToolResult result;
  try {
    result = entry.handler(arguments, context);
  } catch (const std::exception& e) {
    log::error("tools", "tool handler threw",
               {{"tool", name}, {"trace_id", context.trace_id()}, {"what", e.what()}});
    return error_result("Tool \"" + name + "\" failed with an internal error (trace id " +
                        context.trace_id() +
                        "). The operator can find the details in the server log.");
  } catch (...) {
    log::error("tools", "tool handler threw a non-standard exception",
               {{"tool", name}, {"trace_id", context.trace_id()}});
    return error_result("Tool \"" + name + "\" failed with an internal error (trace id " +
                        context.trace_id() + ").");
  }
  if (task_id != nullptr && !result.is_error) *task_id = result.task_id;
  return render(entry, std::move(result), context.trace_id(), version);
}

json ToolRegistry::render(const Entry& entry, ToolResult result, const std::string& trace_id,
                          ProtocolVersion version) {
  const std::string& name = entry.definition.name;
  if (result.is_error) {
    json out = {{"content", result.content}, {"isError", true}};
    if (out["content"].empty()) out["content"].push_back({{"type", "text"}, {"text", "failed"}});
    return out;
  }

  if (entry.output) {
    std::vector<SchemaViolation> violations;
    if (!result.structured.is_object()) {
      violations.push_back({"", "structured content must be an object"});
    } else {
      violations = entry.output->validate(result.structured);
    }
    if (!violations.empty()) {
      // A server bug: the client would reject the result, so say so plainly instead.
      log::error("tools", "tool result does not match its outputSchema",
                 {{"tool", name},
                  {"trace_id", trace_id},
                  {"violations", describe_violations("result", violations)}});
      return error_result("Tool \"" + name +
                          "\" produced a malformed result (a server bug; trace id " + trace_id +
                          ").");
    }
  }

  json out = {{"content", result.content}};
  if (result.structured.is_object()) {
    if (out["content"].empty()) {
      out["content"].push_back({{"type", "text"}, {"text", dump(result.structured)}});
    }
    if (version >= ProtocolVersion::V2025_06_18) out["structuredContent"] = result.structured;
  }
  if (version >= ProtocolVersion::V2025_06_18) {
    for (auto& link : result.links) out["content"].push_back(std::move(link));
  }
  return out;
}

}  // namespace nmcp::mcp
