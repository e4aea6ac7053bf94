// schedule list|show|create|pause|resume|delete: the schedule tools for operators, over the
// same use cases (core/recurring/schedule_service.h): created and changed schedules are checked
// as the tools check them, with each decision in the audit log; an operator sees and changes
// every tenant's schedules and names the tenant a new one belongs to.
#include <cstdio>

#include "app/admin/admin.h"
#include "core/audit/audit_log.h"
#include "core/recurring/schedule_service.h"

namespace nmcp::admin {
namespace {

using recurring::Schedule;
using store::OwnerScope;

// What the schedule use cases (core/recurring) need, over the context's records.
struct Service {
  explicit Service(store::RecordStore& records) : book(records) {}
  recurring::ScheduleBook book;
  recurring::ScheduleServiceDeps deps;
  std::shared_ptr<audit::AuditLog> audit;
};

Result<std::unique_ptr<Service>> open_service(Context& c) {
  auto services = c.services();
  if (!services) return fail(services.error());
  auto out = std::make_unique<Service>(*services->records);
  out->deps.book = &out->book;
  out->deps.submit.scanner_health = services->scanner_health;
  out->deps.submit.clock = &c.clock;
  auto audit = audit::AuditLog::open(c.engine.data_dir + "/audit.log");
  if (!audit) return fail(audit.error());
  out->audit = *audit;
  out->deps.submit.audit = out->audit.get();
  return out;
}

recurring::Caller operator_caller(const std::string& owner, const char* via) {
  recurring::Caller caller;
  caller.owner = owner;
  caller.scope = OwnerScope::everyone();
  caller.via = via;
  return caller;
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

json view_of(const Schedule& s, Millis now) {
  json v = recurring::schedule_view(s, now);
  v["tenant"] = s.owner;  // operators see whose it is
  return v;
}

int cmd_list(Context& c) {
  auto service = open_service(c);
  if (!service) return c.fail(service.error());
  const auto tenant = c.args.value("--tenant");
  int damaged = 0;
  auto all = (*service)->book.list(tenant ? OwnerScope::tenant(*tenant) : OwnerScope::everyone(),
                                   &damaged);
  if (!all) return c.fail(all.error());
  json list = json::array();
  for (const auto& s : *all) list.push_back(view_of(s, c.clock.now()));
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
  auto service = open_service(c);
  if (!service) return c.fail(service.error());
  auto s = (*service)->book.get(*id, OwnerScope::everyone());
  if (!s) return c.fail(s.error());
  const json v = view_of(*s, c.clock.now());
  c.out.result(v, [&] { print_one(v); });
  return 0;
}

// The tool arguments the options describe: the one parser (recurring::spec_from_json) reads
// both, so admin_cli and the tools accept the same values.
json spec_arguments(const Args& a) {
  json args = json::object();
  const std::pair<const char*, const char*> fields[] = {
      {"--targets", "targets"},   {"--pool", "pool"},
      {"--template", "template"}, {"--scan-type", "scan_type"},
      {"--cron", "cron"},         {"--timezone", "timezone"},
      {"--every", "every"},       {"--start", "start"},
      {"--end", "end"},           {"--credential-profile", "credential_profile"}};
  for (const auto& [option, field] : fields) {
    if (auto v = a.value(option)) args[field] = *v;
  }
  if (a.has("--paused")) args["paused"] = true;
  return args;
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
  json args = spec_arguments(c.args);
  args["name"] = c.args.operands[0];
  auto spec = recurring::spec_from_json(args);
  if (!spec) return c.fail(spec.error(), 2);
  auto config = c.config();
  if (!config) return c.fail(config.error());
  auto service = open_service(c);
  if (!service) return c.fail(service.error());
  auto made = recurring::create_schedule(
      (*service)->deps, **config, operator_caller(*tenant, "admin_cli schedule create"), *spec);
  if (!made) return c.fail(made.error());
  const json v = view_of(*made, c.clock.now());
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
  auto config = c.config();
  if (!config) return c.fail(config.error());
  auto service = open_service(c);
  if (!service) return c.fail(service.error());
  recurring::ScheduleSpec spec;
  spec.paused = paused;
  auto changed = recurring::update_schedule(
      (*service)->deps, **config,
      operator_caller("", paused ? "admin_cli schedule pause" : "admin_cli schedule resume"), *id,
      spec);
  if (!changed) return c.fail(changed.error());
  const json v = view_of(*changed, c.clock.now());
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
  auto service = open_service(c);
  if (!service) return c.fail(service.error());
  if (auto gone = recurring::delete_schedule((*service)->deps,
                                             operator_caller("", "admin_cli schedule delete"), *id);
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
