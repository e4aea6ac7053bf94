#include "mcp/tools/schedule_tools.h"

#include "core/recurring/schedule_service.h"
#include "mcp/server/request_context.h"
#include "mcp/tools/tool_support.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

const char* kTimingHelp =
    "Give either cron (five fields: minute hour day-of-month month weekday, e.g. \"0 22 * * "
    "1-5\" for weekdays at 22:00) with timezone (an IANA name such as Europe/Berlin; default "
    "UTC), or every (an interval such as 30m, 6h, 1d). A slot that falls into a daylight-saving "
    "gap runs at the gap's end; one in the repeated hour runs once.";

json schedule_properties(bool update) {
  json p = {
      {"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}},
      {"targets",
       {{"type", "string"},
        {"minLength", 1},
        {"maxLength", 4096},
        {"description", "Addresses, CIDR blocks, ranges or host names, comma-separated"}}},
      {"pool", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
      {"template", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
      {"scan_type",
       {{"type", "string"},
        {"enum", {"untrusted", "authenticated", "authenticated_privileged"}},
        {"description", "untrusted (default) or an authenticated scan with credential_profile"}}},
      {"credential_profile", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
      {"cron", {{"type", "string"}, {"minLength", 9}, {"maxLength", 120}}},
      {"timezone", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
      {"every", {{"type", "string"}, {"minLength", 2}, {"maxLength", 16}}},
      {"start",
       {{"type", "string"},
        {"maxLength", 40},
        {"description", "First possible slot, e.g. 2026-12-24 or 2026-12-24T22:00:00Z"}}},
      {"end",
       {{"type", update ? json::array({"string", "null"}) : json("string")},
        {"maxLength", 40},
        {"description", "No slot after this time"}}}};
  if (update) {
    p["schedule_id"] = {{"type", "string"}, {"pattern", "^sch_[0-9a-f]{32}$"}};
    p["paused"] = {{"type", "boolean"}, {"description", "true pauses, false resumes"}};
  }
  return p;
}

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

const json kScheduleOutput = json::parse(R"({"type": "object", "properties": {
  "schedule_id": {"type": "string"}, "next_fire": {"type": ["string", "null"]},
  "paused": {"type": "boolean"}}, "required": ["schedule_id", "next_fire", "paused"]})");

}  // namespace

Status register_schedule_tools(ToolRegistry& r, const service::Services& deps) {
  if (deps.records == nullptr) return ok();  // no store for schedules: the tools are not offered
  auto shared = std::make_shared<Context>(Context{recurring::ScheduleBook(*deps.records), {}});
  shared->service.book = &shared->book;
  shared->service.submit.scanner_health = deps.scanner_health;
  shared->service.submit.clock = deps.clock;
  shared->service.submit.audit = deps.audit.get();
  const auto clock = deps.clock;

  json create_props = schedule_properties(false);
  if (auto s = r.add(
          {"schedule_scan",
           "Schedule a recurring scan",
           std::string("Creates a recurring scan: the same targets scanned on a schedule, each run "
                       "a normal task compared with the previous completed run. Takes the "
                       "arguments of run_untrusted_scan / run_authenticated_scan (targets, name, "
                       "pool, template, scan_type, credential_profile). ") +
               kTimingHelp +
               " The scan is checked against the pool's scope, your key and the credential "
               "profile now, not only when it fires. Slots missed while the server was down lead "
               "to one catch-up run; a slot whose previous run is still going is skipped.",
           {{"type", "object"},
            {"properties", create_props},
            {"required", {"targets", "name"}},
            {"additionalProperties", false}},
           kScheduleOutput,
           {false, false, false, true}},
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

  if (auto s =
          r.add({"list_schedules",
                 "List your recurring scans",
                 "Lists your schedules with their timing, next fire time, last run and its outcome "
                 "(submitted, skipped and why, refused and why), and recent runs. Pages with "
                 "next_cursor.",
                 json::parse(R"({"type": "object", "properties": {
             "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
             "cursor": {"type": "string", "maxLength": 200}},
             "additionalProperties": false})"),
                 json::parse(R"({"type": "object", "properties": {
             "schedules": {"type": "array", "items": {"type": "object"}},
             "next_cursor": {"type": ["string", "null"]}},
             "required": ["schedules", "next_cursor"]})"),
                 {true, false, true, false}},
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

  json update_props = schedule_properties(true);
  if (auto s = r.add(
          {"update_schedule",
           "Change, pause or resume a recurring scan",
           std::string("Changes one of your schedules: paused true pauses it, false resumes it "
                       "(one catch-up run for the slots it slept through); any other field "
                       "replaces the schedule's and is checked as at creation. ") +
               kTimingHelp,
           {{"type", "object"},
            {"properties", update_props},
            {"required", {"schedule_id"}},
            {"additionalProperties", false}},
           kScheduleOutput,
           {false, false, true, true}},
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

  return r.add(
      {"delete_schedule",
       "Delete a recurring scan",
       "Deletes one of your schedules. Its runs stay as tasks (list_tasks, get_scan_results).",
       json::parse(R"({"type": "object", "properties": {
         "schedule_id": {"type": "string", "pattern": "^sch_[0-9a-f]{32}$"}},
         "required": ["schedule_id"], "additionalProperties": false})"),
       json::parse(R"({"type": "object", "properties": {
         "schedule_id": {"type": "string"}, "deleted": {"type": "boolean"}},
         "required": ["schedule_id", "deleted"]})"),
       {false, true, true, false}},
      [shared](const json& args, RequestContext& ctx) {
        const std::string id = args.at("schedule_id").get<std::string>();
        auto gone = recurring::delete_schedule(shared->service,
                                               schedule_caller(ctx, "delete_schedule"), id);
        if (!gone) return error_result(gone.error());
        return ToolResult::success({{"schedule_id", id}, {"deleted", true}});
      });
}

}  // namespace nmcp::mcp
