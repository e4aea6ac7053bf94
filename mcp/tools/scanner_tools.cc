#include <algorithm>

#include "mcp/server/request_context.h"
#include "mcp/tools/scan_tools.h"
#include "mcp/tools/tool_support.h"
#include "service/fleet_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

ToolAnnotations reader() { return {true, false, true, false}; }

json pool_input_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "pool": {"type": "string", "minLength": 1, "maxLength": 64,
             "description": "Only this pool; default: all pools."}},
    "additionalProperties": false})");
}

// The fleet's answer as a tool result.
ToolResult answer(const Result<json>& view) {
  if (!view) return error_result(view.error());
  return ToolResult::success(*view);
}

}  // namespace

Status register_scanner_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = r.add(
          {"list_scanners", "List Nessus scanners",
           "Lists the configured Nessus instances with their pool, health (as last probed by a "
           "worker), edition and version, whether scan control is available, running scans and "
           "utilisation, and the credential profile names usable with run_authenticated_scan. "
           "Never shows secrets.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "scanners": {"type": "array", "items": {"type": "object"}},
             "credential_profiles": {"type": "array", "items": {"type": "object"}}},
             "required": ["scanners", "credential_profiles"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            return answer(service::FleetService(deps).scanners(args.value("pool", "")));
          });
      !s) {
    return s;
  }

  if (auto s = r.add(
          {"list_credential_profiles", "List credential profiles",
           "Lists the credential profiles run_authenticated_scan accepts: for each, its name, "
           "the credentials it holds (ssh, windows, snmpv3) with their authentication method, "
           "user name, SSH escalation and Windows options, and the pools whose scans may use "
           "it. With pool, only the profiles that pool allows. Never shows a secret.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "credential_profiles": {"type": "array", "items": {"type": "object", "properties": {
               "name": {"type": "string"}, "types": {"type": "array"},
               "credentials": {"type": "array"}, "pools": {"type": "array"}},
               "required": ["name", "types", "credentials", "pools"]}}},
             "required": ["credential_profiles"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            return answer(service::FleetService(deps).credential_profiles(args.value("pool", "")));
          });
      !s) {
    return s;
  }

  if (auto s =
          r.add({"list_pools", "List scanner pools",
                 "Lists the scanner pools with their description, capacity and scope (allowed and "
                 "denied networks, allowed host names, maximum addresses per scan). Use it to see "
                 "what may be scanned before submitting.",
                 json::parse(R"({"type": "object", "additionalProperties": false})"),
                 json::parse(R"({"type": "object", "properties": {
             "pools": {"type": "array", "items": {"type": "object"}},
             "default_pool": {"type": "string"}}, "required": ["pools", "default_pool"]})"),
                 reader()},
                [deps](const json&, RequestContext&) {
                  return answer(service::FleetService(deps).pools());
                });
      !s) {
    return s;
  }

  if (auto s = r.add(
          {"get_pool_status", "Get pool capacity and load",
           "For each pool (or one): capacity from its healthy enabled instances, scans running, "
           "free slots, utilisation, queued tasks and dead letters, per instance.",
           pool_input_schema(), json::parse(R"({"type": "object", "properties": {
             "pools": {"type": "array", "items": {"type": "object"}}}, "required": ["pools"]})"),
           reader()},
          [deps](const json& args, RequestContext&) {
            return answer(service::FleetService(deps).pool_status(args.value("pool", "")));
          });
      !s) {
    return s;
  }

  return r.add(
      {"get_queue_status", "Get queue depths",
       "Per pool: tasks waiting, running, in the dead-letter queue, and the age of the oldest "
       "waiting task. Never shows task contents.",
       pool_input_schema(), json::parse(R"({"type": "object", "properties": {
         "queues": {"type": "array", "items": {"type": "object"}}}, "required": ["queues"]})"),
       reader()},
      [deps](const json& args, RequestContext&) {
        return answer(service::FleetService(deps).queues(args.value("pool", "")));
      });
}

}  // namespace nmcp::mcp
