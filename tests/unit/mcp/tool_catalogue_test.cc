// The tool catalogue (mcp/tools/schemas): every product tool takes its definition from its file
// and every file is a tool the server offers; the lists and limits the files state are the
// code's own (a drift test for each); and a handler's result that breaks its outputSchema never
// reaches a client as a success.

#include "mcp/tools/tool_catalogue.h"

#include <set>
#include <string>

#include <doctest/doctest.h>

#include "core/config/scanner_config.h"
#include "core/findings/finding_fields.h"
#include "core/findings/finding_query.h"
#include "core/store/open_store.h"
#include "mcp/server/request_context.h"
#include "mcp/tools/results_tools.h"
#include "mcp/tools/scan_tools.h"
#include "mcp/tools/schedule_tools.h"
#include "mcp/tools/tool_support.h"
#include "service/results_request.h"
#include "tests/support/subprocess.h"

using nlohmann::json;
using namespace nmcp;
using namespace nmcp::mcp;

namespace {

json strings(const auto& list) {
  json out = json::array();
  for (const auto& s : list) out.push_back(std::string(s));
  return out;
}

}  // namespace

TEST_CASE("every product tool is its catalogue file, and every file is a tool") {
  testing::TempDir dir;
  auto store = store::open_store("sqlite:" + dir.path() + "/tasks.db", store::IfMissing::Create);
  REQUIRE(store);
  service::Services deps;
  deps.tasks = store->get();
  deps.submitter = store->get();
  deps.scanner_health = store->get();
  deps.records = store->get();
  ToolRegistry registry;
  REQUIRE(register_scan_tools(registry, deps));
  REQUIRE(register_scanner_tools(registry, deps));
  REQUIRE(register_results_tools(registry, deps));
  REQUIRE(register_schedule_tools(registry, deps));

  std::set<std::string> offered;
  for (const auto& entry : registry.entries()) {
    CAPTURE(entry.definition.name);
    offered.insert(entry.definition.name);
    const auto file = tool_definition(entry.definition.name);
    REQUIRE(file);
    CHECK(ToolRegistry::describe(entry, ProtocolVersion::V2025_11_25) ==
          ToolRegistry::describe({*file, entry.input, entry.output, entry.handler, {}},
                                 ProtocolVersion::V2025_11_25));
  }
  std::set<std::string> catalogued;
  for (const auto& tool : catalogued_tools()) catalogued.insert(std::string(tool.name));
  CHECK(offered == catalogued);
  CHECK(offered.size() == 20);
  CHECK_FALSE(tool_definition("no_such_tool"));
}

TEST_CASE("the lists and limits in the schema files are the code's own") {
  int paged = 0;
  for (const auto& tool : catalogued_tools()) {
    CAPTURE(tool.name);
    const auto d = tool_definition(tool.name);
    REQUIRE(d);
    const json props = d->input_schema.value("properties", json::object());
    if (props.contains("fields")) {
      ++paged;
      json fields = json::array();
      for (const auto& f : findings::all_fields()) fields.push_back(std::string(f.name));
      CHECK(props["fields"]["items"]["enum"] == fields);
      CHECK(props["sort_by"]["enum"] == strings(findings::sort_field_names()));
      CHECK(props["page_size"]["maximum"] == service::kMaxPageSize);
      CHECK(props["max_tokens"]["minimum"] == service::kMinMaxTokens);
      CHECK(props["max_tokens"]["maximum"] == service::kMaxMaxTokens);
      CHECK(props["max_tokens"]["description"].get<std::string>().find(
                std::to_string(service::kDefaultMaxTokens)) != std::string::npos);
      CHECK(props["page_size"]["description"].get<std::string>().find(
                "default " + std::to_string(service::kDefaultPageSize)) != std::string::npos);
    }
    if (props.contains("escalation")) {
      CHECK(props["escalation"]["enum"] == strings(config::kEscalationMethods));
    }
  }
  CHECK(paged >= 2);  // get_scan_results and get_host_vulnerabilities at least
}

TEST_CASE("a result that breaks the tool's outputSchema is an error, never a success") {
  ToolRegistry registry;
  auto definition = tool_definition("cancel_scan");
  REQUIRE(definition);
  REQUIRE(registry.add(*definition, [](const json&, RequestContext&) {
    return ToolResult::success({{"task_id", "task_x"}});  // state and message missing
  }));
  RequestScope scope;
  RequestContext ctx(scope, nullptr);
  const json result = ToolRegistry::call(*registry.find("cancel_scan"), {{"task_id", "task_x"}},
                                         ctx, ProtocolVersion::V2025_11_25);
  CHECK(result["isError"] == true);
}

TEST_CASE("refusals below the front doors name actions; the agent's words name the tools") {
  using nmcp::Action;
  // Every action an agent can take has words, and each names a tool the catalogue offers.
  std::set<std::string> tools;
  for (const auto& tool : catalogued_tools()) tools.insert(std::string(tool.name));
  for (const Action a :
       {Action::ListTasks, Action::AwaitTask, Action::ListPools, Action::ReadHosts,
        Action::FreePlace, Action::ReadResults, Action::ListSchedules, Action::ScanAuthenticated,
        Action::UseProfileInstead, Action::NameProfile}) {
    const std::string words = agent_words(a);
    CAPTURE(words);
    bool names_a_tool = false;
    for (const auto& t : tools) names_a_tool = names_a_tool || words.find(t) != std::string::npos;
    CHECK(names_a_tool);
  }
  // A refusal's neutral hint becomes the agent's words in the tool result.
  const ToolResult r =
      error_result(nmcp::Error{nmcp::ErrorCode::ResourceExhausted, "quota concurrent_scans reached",
                               "retry when one of them ends, or cancel one", Action::FreePlace});
  const std::string text = r.content[0]["text"];
  CHECK(r.is_error);
  CHECK(text.find("cancel_scan frees a place") != std::string::npos);
}
