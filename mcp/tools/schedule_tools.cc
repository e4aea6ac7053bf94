#include "mcp/tools/schedule_tools.h"

#include "core/recurring/schedule_service.h"
#include "mcp/server/request_context.h"
#include "mcp/tools/tool_catalogue.h"
#include "mcp/tools/tool_support.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

struct Context {
  recurring::ScheduleBook book;
  recurring::ScheduleServiceDeps service;
};

// The request's caller (caller_of) as the schedule use cases of core/recurring take it.
recurring::Caller schedule_caller(RequestContext& ctx, const char* via) {
  const service::Caller who = caller_of(ctx, via);
  recurring::Caller c;
  c.owner = who.tenant;
  c.scope = who.scope();
  c.allowed_pools = who.pools;
  c.allowed_types = who.scan_types;
  c.via = who.via;
  c.trace_id = who.trace_id;
  c.key_id = who.key_id;
  return c;
}

}  // namespace

Status register_schedule_tools(ToolRegistry& r, const service::Services& deps) {
  if (deps.records == nullptr) return ok();  // no store for schedules: the tools are not offered
  auto shared = std::make_shared<Context>(Context{recurring::ScheduleBook(*deps.records), {}});
  shared->service.book = &shared->book;
  shared->service.submit.scanner_health = deps.scanner_health;
  shared->service.submit.clock = deps.clock;
  shared->service.submit.audit = deps.audit.get();
  const auto clock = deps.clock;

  if (auto s = add_catalogued(
          r, "schedule_scan",
          [deps, shared, clock](const json& args, RequestContext& ctx) {
            auto config = service::ScanService(deps).configuration();
            if (!config) return error_result(config.error());
            auto spec = recurring::spec_from_json(args);
            if (!spec) return error_result(spec.error());
            auto made = recurring::create_schedule(shared->service, **config,
                                                   schedule_caller(ctx, "schedule_scan"), *spec);
            if (!made) return error_result(made.error());
            return ToolResult::success(recurring::schedule_view(*made, clock->now()));
          });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(
          r, "list_schedules",
          [shared, clock](const json& args, RequestContext& ctx) {
            auto page = shared->book.page(store::OwnerScope::tenant(ctx.principal()),
                                          args.value("cursor", ""), args.value("limit", 20U));
            if (!page) return error_result(page.error());
            json list = json::array();
            for (const auto& one : page->schedules) {
              list.push_back(recurring::schedule_view(one, clock->now()));
            }
            return ToolResult::success(
                {{"schedules", list},
                 {"next_cursor",
                  page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}});
          });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(
          r, "update_schedule",
          [deps, shared, clock](const json& args, RequestContext& ctx) {
            auto config = service::ScanService(deps).configuration();
            if (!config) return error_result(config.error());
            auto spec = recurring::spec_from_json(args);
            if (!spec) return error_result(spec.error());
            auto changed = recurring::update_schedule(
                shared->service, **config, schedule_caller(ctx, "update_schedule"),
                args.at("schedule_id").get<std::string>(), *spec);
            if (!changed) return error_result(changed.error());
            return ToolResult::success(recurring::schedule_view(*changed, clock->now()));
          });
      !s) {
    return s;
  }

  return add_catalogued(r, "delete_schedule", [shared](const json& args, RequestContext& ctx) {
    const std::string id = args.at("schedule_id").get<std::string>();
    auto gone =
        recurring::delete_schedule(shared->service, schedule_caller(ctx, "delete_schedule"), id);
    if (!gone) return error_result(gone.error());
    return ToolResult::success({{"schedule_id", id}, {"deleted", true}});
  });
}

}  // namespace nmcp::mcp
