#include <algorithm>

#include "mcp/server/request_context.h"
#include "mcp/tools/scan_tools.h"
#include "mcp/tools/tool_catalogue.h"
#include "mcp/tools/tool_support.h"
#include "service/fleet_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

// The fleet's answer as a tool result.
ToolResult answer(const Result<json>& view) {
  if (!view) return error_result(view.error());
  return ToolResult::success(*view);
}

}  // namespace

Status register_scanner_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = add_catalogued(r, "list_scanners",
                              [deps](const json& args, RequestContext&) {
                                return answer(
                                    service::FleetService(deps).scanners(args.value("pool", "")));
                              });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(
          r, "list_credential_profiles",
          [deps](const json& args, RequestContext&) {
            return answer(service::FleetService(deps).credential_profiles(args.value("pool", "")));
          });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(r, "list_pools",
                              [deps](const json&, RequestContext&) {
                                return answer(service::FleetService(deps).pools());
                              });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(
          r, "get_pool_status",
          [deps](const json& args, RequestContext&) {
            return answer(service::FleetService(deps).pool_status(args.value("pool", "")));
          });
      !s) {
    return s;
  }

  return add_catalogued(r, "get_queue_status", [deps](const json& args, RequestContext&) {
    return answer(service::FleetService(deps).queues(args.value("pool", "")));
  });
}

}  // namespace nmcp::mcp
