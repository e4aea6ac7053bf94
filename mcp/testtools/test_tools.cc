#include "mcp/testtools/test_tools.h"

#include <chrono>
#include <stdexcept>

#include "mcp/server/request_context.h"

namespace nmcp::mcp {

using json = nlohmann::json;

namespace {

// A 1x1 transparent PNG and a 4-sample silent WAV, for the conformance content fixtures.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
    "==";
constexpr const char* kWav =
    "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQgAAAAAAAAAAAAAAA==";

ToolAnnotations read_only() { return {true, false, true, false}; }

ToolResult content_only(json content) {
  ToolResult r;
  r.content = std::move(content);
  return r;
}

Status add_product_shaped(ToolRegistry& r) {
  if (auto s = r.add(
          {"echo", "Echo", "Returns the text it is given. For protocol tests.",
           json::parse(R"({"type":"object","properties":{"text":{"type":"string","maxLength":10000,
             "description":"Text to echo"}},"required":["text"],"additionalProperties":false})"),
           json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},
             "required":["text"],"additionalProperties":false})"),
           read_only()},
          [](const json& args, RequestContext&) {
            return ToolResult::success({{"text", args["text"]}});
          });
      !s)
    return s;

  if (auto s = r.add(
          {"add", "Add numbers", "Adds two numbers. For protocol tests.",
           json::parse(
               R"({"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},
             "required":["a","b"],"additionalProperties":false})"),
           json::parse(
               R"({"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]})"),
           read_only()},
          [](const json& args, RequestContext&) {
            return ToolResult::success(
                {{"sum", args["a"].get<double>() + args["b"].get<double>()}});
          });
      !s)
    return s;

  if (auto s = r.add(
          {"slow", "Slow operation",
           "Works for steps*step_ms milliseconds, reporting progress after each step and "
           "stopping early when cancelled. For concurrency and cancellation tests.",
           json::parse(R"({"type":"object","properties":{
             "steps":{"type":"integer","minimum":1,"maximum":1000,"default":5},
             "step_ms":{"type":"integer","minimum":0,"maximum":60000,"default":100}},
             "additionalProperties":false})"),
           json::parse(R"({"type":"object","properties":{"completed_steps":{"type":"integer"},
             "cancelled":{"type":"boolean"}},"required":["completed_steps","cancelled"]})"),
           read_only()},
          [](const json& args, RequestContext& ctx) {
            const int steps = args.value("steps", 5);
            const int step_ms = args.value("step_ms", 100);
            int done = 0;
            while (done < steps) {
              if (!ctx.sleep_for(std::chrono::milliseconds(step_ms))) break;
              ++done;
              ctx.report_progress(done, steps,
                                  "step " + std::to_string(done) + " of " + std::to_string(steps));
            }
            return ToolResult::success({{"completed_steps", done}, {"cancelled", ctx.cancelled()}});
          });
      !s)
    return s;

  if (auto s = r.add(
          {"fail",
           "Fail on purpose",
           "Fails in the chosen way: 'error' returns a tool error, 'throw' throws inside the "
           "handler, 'bad_output' returns a result that breaks the output schema.",
           json::parse(R"({"type":"object","properties":{"mode":{"type":"string",
             "enum":["error","throw","bad_output"]}},"required":["mode"],"additionalProperties":false})"),
           json::parse(
               R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})"),
           {false, false, true, false}},
          [](const json& args, RequestContext&) -> ToolResult {
            const std::string mode = args["mode"];
            if (mode == "throw") throw std::runtime_error("deliberate failure in the fail tool");
            if (mode == "bad_output") return ToolResult::success({{"ok", "not a boolean"}});
            return ToolResult::failure(
                "The operation failed on purpose. Call fail with another mode to see other "
                "failures.");
          });
      !s)
    return s;

  if (auto s = r.add(
          {"validate", "Validate arguments",
           "Accepts a scan-shaped argument object and returns it, to exercise argument "
           "validation.",
           json::parse(R"({"type":"object","properties":{
             "target":{"type":"string","minLength":1,"maxLength":253,"pattern":"^[a-z0-9.-]+$"},
             "port":{"type":"integer","minimum":1,"maximum":65535},
             "mode":{"type":"string","enum":["fast","full"]},
             "tags":{"type":"array","items":{"type":"string","maxLength":20},"maxItems":3,"uniqueItems":true},
             "options":{"type":"object","properties":{"verbose":{"type":"boolean"}},"additionalProperties":false}},
             "required":["target","port"],"additionalProperties":false})"),
           json::parse(
               R"({"type":"object","properties":{"accepted":{"type":"object"}},"required":["accepted"]})"),
           read_only()},
          [](const json& args, RequestContext&) {
            return ToolResult::success({{"accepted", args}});
          });
      !s)
    return s;

  return r.add(
      {"log", "Send log messages",
       "Sends one notifications/message at every level; one carries a password, which must "
       "arrive redacted.",
       json{{"type", "object"}, {"additionalProperties", false}},
       json::parse(
           R"({"type":"object","properties":{"sent":{"type":"integer"}},"required":["sent"]})"),
       read_only()},
      [](const json&, RequestContext& ctx) {
        int sent = 0;
        for (auto level : {McpLogLevel::Debug, McpLogLevel::Info, McpLogLevel::Notice,
                           McpLogLevel::Warning, McpLogLevel::Error, McpLogLevel::Critical,
                           McpLogLevel::Alert, McpLogLevel::Emergency}) {
          ctx.log(level, "test",
                  {{"message", std::string("level ") + std::string(to_string(level))},
                   {"password", "hunter2"}});
          ++sent;
        }
        return ToolResult::success({{"sent", sent}});
      });
}

// The 2026-07-28 suite's diagnostic tools (server-stateless): one that needs a client
// capability the suite does not declare, one that needs elicitation (its answer must stream no
// request of the server's own), and one that logs (nothing may reach a request without a
// logLevel).
Status add_modern_fixtures(ToolRegistry& r) {
  const json no_args = {{"type", "object"}, {"properties", json::object()}};
  ToolDefinition needs_sampling{"test_missing_capability",
                                "Needs sampling",
                                "Conformance fixture: works only for a client that declares "
                                "sampling.",
                                no_args,
                                nullptr,
                                read_only()};
  needs_sampling.requires_client = {{"sampling", json::object()}};
  if (auto s = r.add(std::move(needs_sampling),
                     [](const json&, RequestContext&) {
                       return content_only(json::array(
                           {{{"type", "text"}, {"text", "the client declared sampling"}}}));
                     });
      !s) {
    return s;
  }
  ToolDefinition needs_elicitation{"test_streaming_elicitation",
                                   "Needs elicitation",
                                   "Conformance fixture: works only for a client that declares "
                                   "elicitation; its answer streams progress, never a request.",
                                   no_args,
                                   nullptr,
                                   read_only()};
  needs_elicitation.requires_client = {{"elicitation", json::object()}};
  if (auto s = r.add(std::move(needs_elicitation),
                     [](const json&, RequestContext& ctx) {
                       ctx.report_progress(50, 100, "halfway");
                       return content_only(json::array(
                           {{{"type", "text"}, {"text", "the client declared elicitation"}}}));
                     });
      !s) {
    return s;
  }
  // A tool whose schema uses JSON Schema 2020-12 beyond the basics: tools/list must keep it
  // whole ($schema, $defs with an $anchor, a $ref, allOf/anyOf, if/then/else).
  const json rich = json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "$defs": {"address": {"$anchor": "addressDef", "type": "object",
              "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
    "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"},
                   "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                   "phone": {"type": "string"}, "email": {"type": "string"}},
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]}, "else": {"required": ["email"]},
    "additionalProperties": false})");
  if (auto s =
          r.add(ToolDefinition{"json_schema_2020_12_tool", "JSON Schema 2020-12",
                               "Conformance fixture: a JSON Schema 2020-12 input schema.", rich,
                               nullptr, read_only()},
                [](const json& args, RequestContext&) {
                  return content_only(json::array({{{"type", "text"}, {"text", args.dump()}}}));
                });
      !s) {
    return s;
  }
  // A tool whose arguments travel in Mcp-Param-* headers too (x-mcp-header): on HTTP in the
  // 2026-07-28 framing each header is checked against the body before the call runs.
  const json mirrored = json::parse(R"({"type": "object",
    "properties": {"region": {"type": "string", "x-mcp-header": "Region"},
                   "priority": {"type": "integer", "x-mcp-header": "Priority"},
                   "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
                   "query": {"type": "string"}},
    "required": ["region"], "additionalProperties": false})");
  if (auto s =
          r.add(ToolDefinition{"test_param_headers", "Mirrored arguments",
                               "Conformance fixture: arguments mirrored into HTTP headers.",
                               mirrored, nullptr, read_only()},
                [](const json& args, RequestContext&) {
                  return content_only(json::array({{{"type", "text"}, {"text", args.dump()}}}));
                });
      !s) {
    return s;
  }
  return r.add(
      ToolDefinition{"test_logging_tool", "Logs", "Conformance fixture: logs three lines.", no_args,
                     nullptr, read_only()},
      [](const json&, RequestContext& ctx) {
        for (const char* line : {"started", "working", "done"}) {
          ctx.log(McpLogLevel::Info, "conformance", line);
        }
        return content_only(json::array({{{"type", "text"}, {"text", "logged three lines"}}}));
      });
}

// Tools with the names and behaviour the MCP conformance suite expects of an "everything"
// server; they let the suite's tools-call-* scenarios run against our protocol layer.
Status add_conformance_fixtures(ToolRegistry& r) {
  const json no_args = {{"type", "object"}, {"properties", json::object()}};
  struct Fixture {
    const char* name;
    const char* title;
    ToolHandler handler;
  };
  const Fixture fixtures[] = {
      {"test_simple_text", "Simple text",
       [](const json&, RequestContext&) {
         return content_only(json::array(
             {{{"type", "text"}, {"text", "This is a simple text response for testing."}}}));
       }},
      {"test_image_content", "Image content",
       [](const json&, RequestContext&) {
         return content_only(
             json::array({{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}}));
       }},
      {"test_audio_content", "Audio content",
       [](const json&, RequestContext&) {
         return content_only(
             json::array({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}}));
       }},
      {"test_embedded_resource", "Embedded resource",
       [](const json&, RequestContext&) {
         return content_only(
             json::array({{{"type", "resource"},
                           {"resource",
                            {{"uri", "test://embedded-resource"},
                             {"mimeType", "text/plain"},
                             {"text", "This is an embedded resource content."}}}}}));
       }},
      {"test_multiple_content_types", "Mixed content",
       [](const json&, RequestContext&) {
         return content_only(
             json::array({{{"type", "text"}, {"text", "Multiple content types test:"}},
                          {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}},
                          {{"type", "resource"},
                           {"resource",
                            {{"uri", "test://mixed-content-resource"},
                             {"mimeType", "application/json"},
                             {"text", R"({"test":"data","value":123})"}}}}}));
       }},
      {"test_tool_with_logging", "Logging during a call",
       [](const json&, RequestContext& ctx) {
         ctx.log(McpLogLevel::Info, "conformance", "Tool execution started");
         ctx.sleep_for(std::chrono::milliseconds(50));
         ctx.log(McpLogLevel::Info, "conformance", "Tool processing data");
         ctx.sleep_for(std::chrono::milliseconds(50));
         ctx.log(McpLogLevel::Info, "conformance", "Tool execution completed");
         return content_only(json::array(
             {{{"type", "text"}, {"text", "Tool with logging executed successfully"}}}));
       }},
      {"test_tool_with_progress", "Progress during a call",
       [](const json&, RequestContext& ctx) {
         for (double p : {0.0, 50.0, 100.0}) {
           ctx.report_progress(p, 100.0, "progress " + std::to_string(static_cast<int>(p)));
           ctx.sleep_for(std::chrono::milliseconds(50));
         }
         return content_only(
             json::array({{{"type", "text"}, {"text", "Progress test completed"}}}));
       }},
      {"test_error_handling", "Error result",
       [](const json&, RequestContext&) {
         return ToolResult::failure("This tool intentionally returns an error for testing");
       }},
  };
  for (const auto& f : fixtures) {
    ToolDefinition d{f.name,  f.title, std::string("Conformance fixture: ") + f.title + ".",
                     no_args, nullptr, read_only()};
    if (auto s = r.add(std::move(d), f.handler); !s) return s;
  }
  return add_modern_fixtures(r);
}

}  // namespace

Status register_test_tools(ToolRegistry& registry) {
  if (auto s = add_product_shaped(registry); !s) return s;
  return add_conformance_fixtures(registry);
}

namespace {

class TestResources final : public ResourceProvider {
 public:
  Result<ResourcePage> list(const Principal&, const std::string&) const override {
    ResourcePage p;
    p.resources.push_back({"test://static-text", "static-text", "Static text",
                           "A fixed text resource", "text/plain", std::nullopt, "echo"});
    p.resources.push_back({"test://static-binary", "static-binary", "Static binary",
                           "A fixed binary resource", "image/png", std::nullopt, "echo"});
    return p;
  }
  std::vector<ResourceTemplateInfo> templates() const override {
    return {{"test://template/{id}/data", "template-data", "Template data",
             "Data for the id in the URI", "application/json", "echo"}};
  }
  // The fixture's resources are as open as its echo tool.
  std::string tool_for(const std::string& uri) const override {
    return uri.rfind("test://", 0) == 0 ? "echo" : "";
  }
  Result<std::vector<ResourceContents>> read(const Principal&,
                                             const std::string& uri) const override {
    if (uri == "test://static-text") {
      return std::vector<ResourceContents>{
          {uri, "text/plain", "This is the content of the static text resource.", false}};
    }
    if (uri == "test://static-binary") {
      static const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
      return std::vector<ResourceContents>{{uri, "image/png", png, true}};
    }
    const std::string prefix = "test://template/";
    const std::string suffix = "/data";
    if (uri.rfind(prefix, 0) == 0 && uri.size() > prefix.size() + suffix.size() &&
        uri.compare(uri.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string id = uri.substr(prefix.size(), uri.size() - prefix.size() - suffix.size());
      nlohmann::json j = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
      return std::vector<ResourceContents>{{uri, "application/json", j.dump(), false}};
    }
    return fail(ErrorCode::NotFound, "Resource not found: " + uri.substr(0, 200));
  }
};

}  // namespace

std::shared_ptr<const ResourceProvider> make_test_resources() {
  return std::make_shared<TestResources>();
}

}  // namespace nmcp::mcp
