// schedule list|show|create|pause|resume|delete: the schedule tools for operators, over the
// same use cases (service/schedule_service.h): created and changed schedules are checked
// as the tools check them, with each decision in the audit log; an operator sees and changes
// every tenant's schedules and names the tenant a new one belongs to.
#include <cstdio>

#include "app/admin/admin.h"
#include "core/audit/audit_log.h"
#include "service/schedule_service.h"

namespace nmcp::admin {
namespace {

// The services with the audit log the schedule checks write to (as the tools' do).
Result<service::Services> schedule_services(Context& c) {
  auto services = c.services();
  if (!services) return services;
  auto audit = audit::AuditLog::open(c.engine.data_dir + "/audit.log");
  if (!audit) return fail(audit.error());
  services->audit = *audit;
  return services;
}

Result<std::string> schedule_id_operand(const Context& c) {
  const std::string& id = c.args.operands[0];
  if (!recurring::looks_like_schedule_id(id)) {
    return fail(
        ErrorCode::InvalidArgument, "'" + id.substr(0, 80) + "' is not a schedule id",
        "schedule ids look like sch_ and 32 hex digits; admin_cli schedule list shows them");
  }
  return id;
}

std::string timing_text(const json& v) {
  if (v.contains("cron")) return v["cron"].get<std::string>() + " " + v.value("timezone", "UTC");
  return "every " + v.value("every", "?");
}

std::string last_run_text(const json& v) {
  if (!v["last_run"].is_object()) return "-";
  const auto& r = v["last_run"];
  return r.value("outcome", "") +
         (r["task_id"].is_string() ? " " + r["task_id"].get<std::string>() : std::string());
}

void print_one(const json& v) {
  std::printf("schedule %s (%s)\n", v.value("schedule_id", "").c_str(),
              v.value("name", "").c_str());
  std::printf("  tenant      %s\n", v.value("tenant", "").c_str());
  std::printf("  scan        %s of %s in pool %s, template %s\n", v.value("scan_type", "").c_str(),
              v.value("targets", "").c_str(), v.value("pool", "").c_str(),
              v.value("template", "").c_str());
  std::printf("  timing      %s\n", timing_text(v).c_str());
  std::printf("  paused      %s\n", v.value("paused", false) ? "yes" : "no");
  std::printf("  next fire   %s\n",
              v["next_fire"].is_string() ? v["next_fire"].get<std::string>().c_str() : "-");
  std::printf("  last run    %s\n", last_run_text(v).c_str());
  for (const auto& r : v["recent_runs"]) {
    std::printf("    %s  %s%s\n", r.value("slot", "").c_str(), r.value("outcome", "").c_str(),
                r["task_id"].is_string() ? (" " + r["task_id"].get<std::string>()).c_str() : "");
  }
}

int cmd_list(Context& c) {
  auto services = schedule_services(c);
  if (!services) return c.fail(services.error());
  auto all = service::ScheduleService(*services).all(
      service::Caller::an_operator("admin_cli schedule list"), c.args.value("--tenant"));
  if (!all) return c.fail(all.error());
  const int damaged = all->damaged;
  json list = json::array();
  for (const auto& s : all->schedules) list.push_back(s.to_json());
  json doc = {{"schedules", list}, {"count", list.size()}};
  if (damaged > 0) doc["damaged_records"] = damaged;
  c.out.result(doc, [&] {
    std::vector<std::vector<std::string>> rows;
    for (const auto& v : list) {
      rows.push_back({v["schedule_id"].get<std::string>(), v["tenant"].get<std::string>(),
                      v["name"].get<std::string>(), timing_text(v),
                      v["paused"].get<bool>()      ? "paused"
                      : v["next_fire"].is_string() ? v["next_fire"].get<std::string>()
                                                   : "-",
                      last_run_text(v)});
    }
    c.out.table({"SCHEDULE", "TENANT", "NAME", "TIMING", "NEXT FIRE", "LAST RUN"}, rows,
                "no schedules");
    if (damaged > 0) std::printf("%d damaged schedule record(s) passed over\n", damaged);
  });
  return 0;
}

int cmd_show(Context& c) {
  auto id = schedule_id_operand(c);
  if (!id) return c.usage(id.error().message);
  auto services = schedule_services(c);
  if (!services) return c.fail(services.error());
  auto s = service::ScheduleService(*services).find(
      service::Caller::an_operator("admin_cli schedule show"), *id);
  if (!s) return c.fail(s.error());
  const json v = s->to_json();
  c.out.result(v, [&] { print_one(v); });
  return 0;
}

// The schedule the options describe; scan type, start and end by core/recurring's rules (the
// tools read theirs by the same ones).
Result<recurring::ScheduleSpec> spec_of(const Args& a) {
  recurring::ScheduleSpec spec;
  const std::pair<const char*, std::optional<std::string>*> texts[] = {
      {"--targets", &spec.targets},
      {"--pool", &spec.pool},
      {"--template", &spec.template_name},
      {"--cron", &spec.cron},
      {"--timezone", &spec.timezone},
      {"--every", &spec.every},
      {"--credential-profile", &spec.credential_profile}};
  for (const auto& [option, field] : texts) {
    if (auto v = a.value(option)) *field = *v;
  }
  if (auto v = a.value("--scan-type")) {
    if (auto s = recurring::set_scan_type(spec, *v); !s) return fail(s.error());
  }
  if (auto v = a.value("--start")) {
    if (auto s = recurring::set_start(spec, *v); !s) return fail(s.error());
  }
  if (auto v = a.value("--end")) {
    if (auto s = recurring::set_end(spec, std::string_view(*v)); !s) return fail(s.error());
  }
  if (a.has("--paused")) spec.paused = true;
  return spec;
}

int cmd_create(Context& c) {
  const auto tenant = c.args.value("--tenant");
  if (!tenant || tenant->empty()) {
    return c.usage("schedule create needs --tenant: the tenant whose schedule it is");
  }
  if (!c.args.value("--targets")) return c.usage("schedule create needs --targets");
  if (!c.args.value("--every") && !c.args.value("--cron")) {
    return c.usage("schedule create needs --every (e.g. 1d) or --cron (e.g. \"0 22 * * 1-5\")");
  }
  auto spec = spec_of(c.args);
  if (!spec) return c.fail(spec.error(), 2);
  spec->name = c.args.operands[0];
  // The configuration's own error (the file, the line) before anything else.
  if (auto config = c.config(); !config) return c.fail(config.error());
  auto services = schedule_services(c);
  if (!services) return c.fail(services.error());
  auto made = service::ScheduleService(*services).create(
      service::Caller::an_operator("admin_cli schedule create"), *spec, *tenant);
  if (!made) return c.fail(made.error());
  const json v = made->to_json();
  c.out.result(v, [&] {
    std::printf("created\n");
    print_one(v);
  });
  return 0;
}

// pause, resume: one field changed, through the same use case as the tools' update_schedule.
int set_paused(Context& c, bool paused) {
  auto id = schedule_id_operand(c);
  if (!id) return c.usage(id.error().message);
  if (auto config = c.config(); !config) return c.fail(config.error());
  auto services = schedule_services(c);
  if (!services) return c.fail(services.error());
  recurring::ScheduleSpec spec;
  spec.paused = paused;
  auto changed = service::ScheduleService(*services).update(
      service::Caller::an_operator(paused ? "admin_cli schedule pause"
                                          : "admin_cli schedule resume"),
      *id, spec);
  if (!changed) return c.fail(changed.error());
  const json v = changed->to_json();
  c.out.result(v, [&] {
    std::printf("%s %s; next fire %s\n", paused ? "paused" : "resumed", id->c_str(),
                v["next_fire"].is_string() ? v["next_fire"].get<std::string>().c_str() : "-");
  });
  return 0;
}

int cmd_pause(Context& c) { return set_paused(c, true); }
int cmd_resume(Context& c) { return set_paused(c, false); }

int cmd_delete(Context& c) {
  auto id = schedule_id_operand(c);
  if (!id) return c.usage(id.error().message);
  auto services = schedule_services(c);
  if (!services) return c.fail(services.error());
  if (auto gone = service::ScheduleService(*services).remove(
          service::Caller::an_operator("admin_cli schedule delete"), *id);
      !gone) {
    return c.fail(gone.error());
  }
  c.out.result({{"schedule_id", *id}, {"deleted", true}},
               [&] { std::printf("deleted %s (its runs stay as tasks)\n", id->c_str()); });
  return 0;
}

}  // namespace

std::vector<Command> schedule_commands() {
  const Option tenant = {"--tenant", "T", "the tenant (its API key's tenant; local on stdio)"};
  return {
      {{"schedule", "list"},
       "",
       "recurring scans of every tenant with their timing, next fire time and last run",
       {{"--tenant", "T", "only this tenant's schedules"}},
       cmd_list},
      {{"schedule", "show"},
       "ID",
       "one schedule: its scan, timing, next fire time and recent runs",
       {},
       cmd_show,
       1,
       1},
      {{"schedule", "create"},
       "NAME",
       "a recurring scan for a tenant, checked against the pool's scope and the credential "
       "profile now, as schedule_scan does",
       {tenant,
        {"--targets", "TARGETS", "addresses, CIDR blocks, ranges or host names, comma-separated"},
        {"--every", "INTERVAL", "an interval: 30m, 6h, 1d (or --cron)"},
        {"--cron", "EXPR", "five fields, e.g. \"0 22 * * 1-5\" (or --every)"},
        {"--timezone", "ZONE", "the cron's IANA zone, e.g. Europe/Berlin (default UTC)"},
        {"--pool", "P", "the pool (default: the configured default pool)"},
        {"--template", "T", "the scan template (default: the configured default)"},
        {"--scan-type", "TYPE", "untrusted (default), authenticated, authenticated_privileged"},
        {"--credential-profile", "NAME", "the profile of an authenticated schedule"},
        {"--start", "WHEN", "no slot before: 2026-12-24 or 2026-12-24T22:00:00Z"},
        {"--end", "WHEN", "no slot after"},
        {"--paused", "", "create it paused"},
        config_option()},
       cmd_create,
       1,
       1},
      {{"schedule", "pause"},
       "ID",
       "stop firing it until resumed",
       {config_option()},
       cmd_pause,
       1,
       1},
      {{"schedule", "resume"},
       "ID",
       "fire it again (one catch-up run for the slots it slept through)",
       {config_option()},
       cmd_resume,
       1,
       1},
      {{"schedule", "delete"}, "ID", "delete it; its runs stay as tasks", {}, cmd_delete, 1, 1},
  };
}

}  // namespace nmcp::admin
