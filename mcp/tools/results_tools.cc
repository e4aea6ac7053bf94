#include "mcp/tools/results_tools.h"

#include <algorithm>
#include <array>
#include <functional>

#include "mcp/server/request_context.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/tool_support.h"
#include "service/results_request.h"
#include "service/results_service.h"

namespace nmcp::mcp {

using nlohmann::json;
using service::kDefaultMaxTokens;
using service::kMaxMaxTokens;
using service::kMinMaxTokens;
using service::paging_properties;

namespace {

ToolAnnotations reader() { return {true, false, true, false}; }

json results_properties(bool with_host) {
  json p = paging_properties();
  p["task_id"] = {{"type", "string"},
                  {"pattern", "^task_[0-9a-f]{32}$"},
                  {"description", "a completed task (get_scan_status)"}};
  if (with_host) {
    p["host"] = {{"type", "string"},
                 {"minLength", 1},
                 {"maxLength", 512},
                 {"description", "the host: its name or address as list_scan_hosts shows it"}};
  }
  return p;
}

json page_output_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "task_id": {"type": "string"}, "total": {"type": "integer"}, "returned": {"type": "integer"},
    "offset": {"type": "integer"}, "has_more": {"type": "boolean"},
    "next_cursor": {"type": ["string", "null"]}, "findings": {"type": "array"},
    "filters_applied": {"type": "object"}, "severity_counts": {"type": "object"},
    "profile": {"type": "string"}, "sort": {"type": "object"},
    "token_estimate": {"type": "integer"}, "max_tokens": {"type": "integer"}},
    "required": ["task_id", "total", "returned", "has_more", "findings", "filters_applied"]})");
}

// An answer with the links to the scan's summary and export.
ToolResult with_links(const Result<service::ResultsAnswer>& answer, const service::Services& deps) {
  if (!answer) return error_result(answer.error());
  ToolResult r = ToolResult::success(answer->view);
  r.links = scan_links(deps, answer->task);
  return r;
}

ToolResult plain(const Result<service::ResultsAnswer>& answer) {
  if (!answer) return error_result(answer.error());
  return ToolResult::success(answer->view);
}

}  // namespace

Status register_results_tools(ToolRegistry& r, const service::Services& deps) {
  const json task_prop = {{"type", "string"}, {"pattern", "^task_[0-9a-f]{32}$"}};
  json results_schema = {{"type", "object"},
                         {"properties", results_properties(false)},
                         {"required", {"task_id"}},
                         {"additionalProperties", false}};
  if (auto s = r.add(
          {"get_scan_results", "Get scan findings",
           "Pages through a finished scan's findings, filtered, sorted and sized for your context. "
           "Filter first (severity, host or CIDR, port, protocol, service, plugin, family, name, "
           "CVE, CVSS ranges, exploit available, free text), then choose a profile (minimal, "
           "summary, brief, full) or a field list. Each page states the total, the filters "
           "applied and next_cursor; long texts are cut with a marker, and get_finding returns "
           "them in full. Start with the summary in get_scan_status, then ask for what matters, "
           "e.g. filter {\"severity_min\": \"high\"} with profile summary.",
           results_schema, page_output_schema(), reader()},
          [deps](const json& args, RequestContext& ctx) {
            return with_links(service::ResultsService(deps).scan_results(
                                  args, caller_of(ctx, "get_scan_results")),
                              deps);
          });
      !s) {
    return s;
  }
  json host_schema = results_schema;
  host_schema["properties"] = results_properties(true);
  host_schema["required"] = {"task_id", "host"};
  json host_output = page_output_schema();
  host_output["properties"]["hosts"] = {{"type", "array"}};
  if (auto s =
          r.add({"get_host_vulnerabilities", "Get one host's findings",
                 "One host of a finished scan: its names, OS, severity counts and whether "
                 "the credentials worked there, then its findings with the same filters, "
                 "profiles and paging as get_scan_results.",
                 host_schema, host_output, reader()},
                [deps](const json& args, RequestContext& ctx) {
                  if (args.contains("filter") && args["filter"].is_object() &&
                      args["filter"].contains("host")) {
                    return error_result({ErrorCode::InvalidArgument, "give the host once, as host",
                                         "filter.host is for get_scan_results"});
                  }
                  return with_links(service::ResultsService(deps).host_findings(
                                        args, caller_of(ctx, "get_host_vulnerabilities")),
                                    deps);
                });
      !s) {
    return s;
  }
  if (auto s = r.add(
          {"get_finding",
           "Get one finding in full",
           "One finding of a finished scan with every field. Long texts that do not fit the "
           "budget are cut with a marker; pass field (e.g. plugin_output) and offset to read a "
           "text in chunks.",
           {{"type", "object"},
            {"properties",
             {{"task_id", task_prop},
              {"finding_id", {{"type", "integer"}, {"minimum", 1}}},
              {"field", {{"type", "string"}, {"minLength", 1}, {"maxLength", 128}}},
              {"offset", {{"type", "integer"}, {"minimum", 0}}},
              {"max_tokens",
               {{"type", "integer"}, {"minimum", kMinMaxTokens}, {"maximum", kMaxMaxTokens}}}}},
            {"required", {"task_id", "finding_id"}},
            {"additionalProperties", false}},
           json::parse(
               R"({"type": "object", "properties": {"task_id": {"type": "string"}}, "required": ["task_id"]})"),
           reader()},
          [deps](const json& args, RequestContext& ctx) {
            auto answer =
                service::ResultsService(deps).finding(args, caller_of(ctx, "get_finding"));
            ToolResult result = plain(answer);
            if (answer && answer->view.contains("finding")) {
              const auto finding_id = args.at("finding_id").get<std::int64_t>();
              result.links.push_back(resource_link(
                  finding_uri(answer->task.id, finding_id), "finding " + std::to_string(finding_id),
                  "this finding with every field, untruncated", "application/json"));
            }
            return result;
          });
      !s) {
    return s;
  }
  if (auto s = r.add(
          {"list_scan_hosts",
           "List a scan's hosts",
           "The hosts of a finished scan: address, names, OS, findings per severity and the "
           "credential outcome (success, partial, failed with the reason, not_applicable). "
           "Sorted by severity (most critical first) or address; paged.",
           {{"type", "object"},
            {"properties",
             {{"task_id", task_prop},
              {"host",
               {{"type", "string"},
                {"maxLength", 512},
                {"description", "only hosts matching this address, CIDR or name"}}},
              {"sort_by", {{"type", "string"}, {"enum", {"severity", "address"}}}},
              {"page_size", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}},
              {"max_tokens",
               {{"type", "integer"}, {"minimum", kMinMaxTokens}, {"maximum", kMaxMaxTokens}}},
              {"cursor", {{"type", "string"}, {"maxLength", 512}}}}},
            {"required", {"task_id"}},
            {"additionalProperties", false}},
           json::parse(
               R"({"type": "object", "properties": {"hosts": {"type": "array"}, "total": {"type": "integer"}}, "required": ["hosts", "total"]})"),
           reader()},
          [deps](const json& args, RequestContext& ctx) {
            return plain(
                service::ResultsService(deps).hosts(args, caller_of(ctx, "list_scan_hosts")));
          });
      !s) {
    return s;
  }
  return r.add(
      {"compare_scans",
       "Compare two scans",
       "What changed between an earlier and a later finished scan of yours, on the hosts both "
       "covered: findings new in the later one, fixed (gone), still open, and unverified (a "
       "local check whose host the later scan could not log in to). Hosts only one scan covered "
       "are listed apart: the base's findings there are not_rescanned, never fixed. Matched by "
       "host, plugin, port and protocol. Counts per category and severity, and one category's "
       "findings paged. If task_id ended before base_task_id they are swapped, with a note. "
       "Pass schedule_id instead of the two task ids to compare a schedule's last two "
       "completed runs.",
       {{"type", "object"},
        {"properties",
         {{"schedule_id",
           {{"type", "string"},
            {"pattern", "^sch_[0-9a-f]{32}$"},
            {"description",
             "A schedule of yours: its last two completed runs are compared (instead of "
             "base_task_id and task_id)."}}},
          {"base_task_id",
           {{"type", "string"},
            {"pattern", "^task_[0-9a-f]{32}$"},
            {"description", "The earlier scan (the baseline)."}}},
          {"task_id",
           {{"type", "string"},
            {"pattern", "^task_[0-9a-f]{32}$"},
            {"description", "The later scan, compared against the baseline."}}},
          {"category",
           {{"type", "string"},
            {"enum", {"new", "fixed", "still_open", "unverified", "not_rescanned"}},
            {"description", "Which findings to page (default new); counts cover all of them."}}},
          {"min_severity",
           {{"type", {"integer", "string"}},
            {"description",
             "Lowest severity compared: 0-4 or info, low, medium, high, critical (default 1, "
             "low: informational findings are left out)."}}},
          {"page_size",
           {{"type", "integer"},
            {"minimum", 1},
            {"maximum", 500},
            {"description", "Findings per page (default 50)."}}},
          {"max_tokens",
           {{"type", "integer"},
            {"minimum", kMinMaxTokens},
            {"maximum", kMaxMaxTokens},
            {"description", "Token budget of the answer (default 8000)."}}},
          {"cursor",
           {{"type", "string"},
            {"maxLength", 512},
            {"description", "next_cursor of the previous page, to continue."}}}}},
        {"additionalProperties", false}},
       json::parse(
           R"({"type": "object", "properties": {"counts": {"type": "object"}, "items": {"type": "array"}}, "required": ["counts", "items"]})"),
       reader()},
      [deps](const json& args, RequestContext& ctx) {
        return plain(service::ResultsService(deps).compare(args, caller_of(ctx, "compare_scans")));
      });
}

}  // namespace nmcp::mcp
