#include "mcp/tools/results_tools.h"

#include <algorithm>
#include <array>
#include <functional>

#include "mcp/server/request_context.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/tool_catalogue.h"
#include "mcp/tools/tool_support.h"
#include "service/results_request.h"
#include "service/results_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

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
  if (auto s = add_catalogued(r, "get_scan_results",
                              [deps](const json& args, RequestContext& ctx) {
                                return with_links(service::ResultsService(deps).scan_results(
                                                      args, caller_of(ctx, "get_scan_results")),
                                                  deps);
                              });
      !s) {
    return s;
  }
  if (auto s = add_catalogued(
          r, "get_host_vulnerabilities",
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
  if (auto s = add_catalogued(
          r, "get_finding",
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
  if (auto s = add_catalogued(r, "list_scan_hosts",
                              [deps](const json& args, RequestContext& ctx) {
                                return plain(service::ResultsService(deps).hosts(
                                    args, caller_of(ctx, "list_scan_hosts")));
                              });
      !s) {
    return s;
  }
  return add_catalogued(r, "compare_scans", [deps](const json& args, RequestContext& ctx) {
    return plain(service::ResultsService(deps).compare(args, caller_of(ctx, "compare_scans")));
  });
}

}  // namespace nmcp::mcp
