#include "mcp/tools/schedule_tools.h"

#include "mcp/server/request_context.h"
#include "mcp/tools/tool_catalogue.h"
#include "mcp/tools/tool_support.h"
#include "service/schedule_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

// The schedule the tool's arguments describe. The input schema has checked every type; the
// texts with a rule of their own (scan type, start, end) are read by core/recurring's.
Result<recurring::ScheduleSpec> spec_of(const json& args) {
  recurring::ScheduleSpec spec;
  const auto text = [&](const char* field, std::optional<std::string>& out) {
    if (args.contains(field)) out = args[field].get<std::string>();
  };
  text("name", spec.name);
  text("targets", spec.targets);
  text("pool", spec.pool);
  text("template", spec.template_name);
  text("credential_profile", spec.credential_profile);
  text("cron", spec.cron);
  text("timezone", spec.timezone);
  text("every", spec.every);
  if (args.contains("scan_type")) {
    if (auto s = recurring::set_scan_type(spec, args["scan_type"].get<std::string>()); !s) {
      return fail(s.error());
    }
  }
  if (args.contains("start")) {
    if (auto s = recurring::set_start(spec, args["start"].get<std::string>()); !s) {
      return fail(s.error());
    }
  }
  if (args.contains("end")) {
    const json& end = args["end"];
    auto s = recurring::set_end(
        spec, end.is_null() ? std::nullopt
                            : std::optional<std::string_view>(end.get_ref<const std::string&>()));
    if (!s) return fail(s.error());
  }
  if (args.contains("paused")) spec.paused = args["paused"].get<bool>();
  return spec;
}

ToolResult answer(const Result<service::ScheduleView>& view) {
  if (!view) return error_result(view.error());
  return ToolResult::success(view->to_json());
}

}  // namespace

Status register_schedule_tools(ToolRegistry& r, const service::Services& deps) {
  if (deps.records == nullptr) return ok();  // no store for schedules: the tools are not offered

  if (auto s = add_catalogued(r, "schedule_scan",
                              [deps](const json& args, RequestContext& ctx) {
                                auto spec = spec_of(args);
                                if (!spec) return error_result(spec.error());
                                return answer(service::ScheduleService(deps).create(
                                    caller_of(ctx, "schedule_scan"), *spec));
                              });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(r, "list_schedules",
                              [deps](const json& args, RequestContext& ctx) {
                                auto page = service::ScheduleService(deps).page(
                                    caller_of(ctx, "list_schedules"), args.value("cursor", ""),
                                    args.value("limit", 20U));
                                if (!page) return error_result(page.error());
                                return ToolResult::success(page->to_json());
                              });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(r, "update_schedule",
                              [deps](const json& args, RequestContext& ctx) {
                                auto spec = spec_of(args);
                                if (!spec) return error_result(spec.error());
                                return answer(service::ScheduleService(deps).update(
                                    caller_of(ctx, "update_schedule"),
                                    args.at("schedule_id").get<std::string>(), *spec));
                              });
      !s) {
    return s;
  }

  return add_catalogued(r, "delete_schedule", [deps](const json& args, RequestContext& ctx) {
    const std::string id = args.at("schedule_id").get<std::string>();
    if (auto gone = service::ScheduleService(deps).remove(caller_of(ctx, "delete_schedule"), id);
        !gone) {
      return error_result(gone.error());
    }
    return ToolResult::success({{"schedule_id", id}, {"deleted", true}});
  });
}

}  // namespace nmcp::mcp
