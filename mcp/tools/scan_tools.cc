#include "mcp/tools/scan_tools.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mcp/server/request_context.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/tool_support.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

constexpr int kMaxWaitSeconds = 25;

ToolAnnotations submit_annotations() { return {false, false, true, true}; }
ToolAnnotations reader_annotations() { return {true, false, true, false}; }

// Shared input properties of the two submit tools.
json submit_properties() {
  return json::parse(R"({
    "targets": {"type": "string", "minLength": 1, "maxLength": 8192,
      "description": "What to scan: IPv4/IPv6 addresses, CIDR blocks (10.0.0.0/24), ranges (10.0.0.1-10.0.0.20 or 10.0.0.1-20) or host names, separated by commas or newlines. Must lie inside the pool's scope (list_pools)."},
    "name": {"type": "string", "minLength": 1, "maxLength": 200,
      "description": "A short name for the scan, shown in list_tasks and in Nessus."},
    "description": {"type": "string", "maxLength": 1000},
    "pool": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$",
      "description": "Scanner pool (list_pools). Default: the configured default pool."},
    "template": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z0-9_-]+$",
      "description": "Nessus scan template name, e.g. advanced or basic. Default: the configured template."},
    "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 128,
      "pattern": "^[A-Za-z0-9._:-]+$",
      "description": "Retry-safe key: repeating the same call with the same key returns the same task instead of starting another scan."}
  })");
}

json submit_output_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "task_id": {"type": "string"}, "state": {"type": "string"}, "created": {"type": "boolean"},
    "pool": {"type": "string"}, "scan_type": {"type": "string"}, "targets": {"type": "string"},
    "address_count": {"type": "integer"}, "queue_position": {"type": "integer"},
    "estimated_wait_seconds": {"type": ["integer", "null"]},
    "poll_after_seconds": {"type": "integer"}, "message": {"type": "string"},
    "waiting": {"type": "object"}, "scan_window": {"type": "object"}},
    "required": ["task_id", "state", "created", "pool", "scan_type", "targets", "message"]})");
}

json task_output_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "task_id": {"type": "string"}, "name": {"type": "string"}, "state": {"type": "string",
      "enum": ["queued", "running", "completed", "failed", "cancelled", "timed_out"]},
    "step": {"type": "string"}, "progress": {"type": "number"},
    "queue_position": {"type": ["integer", "null"]},
    "estimated_wait_seconds": {"type": ["integer", "null"]},
    "error": {"type": ["object", "null"]}, "validation": {}, "summary": {},
    "waiting": {"type": "object"}, "poll_after_seconds": {"type": "integer"},
    "scan_window": {"type": "object"}, "schedule_id": {"type": "string"},
    "previous_run": {"type": ["string", "null"]}},
    "required": ["task_id", "state", "step", "progress"]})");
}

// The tool's arguments as a scan request; the checks are submit_scan's.
// The tool's arguments as a scan request; the checks are submit_scan's, the caller's rights
// the application layer's.
scans::ScanRequest scan_request(const json& args, task::ScanType type) {
  scans::ScanRequest r;
  r.type = type;
  r.targets = args.at("targets").get<std::string>();
  r.name = args.at("name").get<std::string>();
  r.description = args.value("description", "");
  r.pool = args.value("pool", "");
  r.template_name = args.value("template", "");
  r.idempotency_key = args.value("idempotency_key", "");
  r.credential_profile = args.value("credential_profile", "");
  r.escalation = args.value("escalation", "");
  bool inline_given = false;
  for (const char* f :
       {"ssh_username", "ssh_password", "escalation_account", "escalation_password"})
    inline_given = inline_given || args.contains(f);
  if (inline_given) {
    r.inline_credentials = scans::InlineCredentials{
        args.value("ssh_username", ""), args.value("ssh_password", ""),
        args.value("escalation_account", ""), args.value("escalation_password", "")};
  }
  return r;
}

ToolResult submit(const service::Services& deps, const json& args, RequestContext& ctx,
                  task::ScanType type) {
  const char* tool =
      type == task::ScanType::Untrusted ? "run_untrusted_scan" : "run_authenticated_scan";
  auto submitted =
      service::ScanService(deps).submit(caller_of(ctx, tool), scan_request(args, type));
  if (!submitted) return error_result(submitted.error());
  json out = submitted->to_json();
  out["message"] = submitted->submitted.created
                       ? "Scan queued. Poll get_scan_status with this task_id."
                       : "This idempotency_key was already used for the same request; "
                         "this is that task.";
  return ToolResult::success(std::move(out));
}

Status add_submit_tools(ToolRegistry& r, const service::Services& deps) {
  json untrusted = {{"type", "object"},
                    {"properties", submit_properties()},
                    {"required", {"targets", "name"}},
                    {"additionalProperties", false}};
  if (auto s = r.add(
          {"run_untrusted_scan", "Start a network scan",
           "Starts an unauthenticated (network-only) Nessus scan of the targets and returns a "
           "task_id at once; the scan itself takes minutes to hours. Targets outside the pool's "
           "scope are refused with the reason. Follow it with get_scan_status.",
           untrusted, submit_output_schema(), submit_annotations()},
          [deps](const json& args, RequestContext& ctx) {
            return submit(deps, args, ctx, task::ScanType::Untrusted);
          });
      !s) {
    return s;
  }
  json props = submit_properties();
  props["credential_profile"] = {
      {"type", "string"},
      {"minLength", 1},
      {"maxLength", 64},
      {"description",
       "Name of a credential profile from the server configuration (list_credential_profiles "
       "shows each with its SSH, Windows or SNMPv3 credentials and the pools that may use it). "
       "You never see or send the secret."}};
  props["scan_type"] = {
      {"type", "string"},
      {"enum", {"authenticated", "authenticated_privileged"}},
      {"default", "authenticated"},
      {"description",
       "authenticated_privileged also escalates privileges on SSH hosts (sudo, su, ...)"}};
  const std::pair<const char*, const char*> inline_fields[] = {
      {"ssh_username",
       "SSH user name for inline credentials (only when the server enables inline credentials; "
       "prefer credential_profile)."},
      {"ssh_password",
       "SSH password for inline credentials (only when the server enables inline credentials; "
       "it is sealed at rest and erased once the scan exists)."},
      {"escalation_account",
       "With inline credentials: the account to escalate to (default root). Not allowed with "
       "credential_profile, whose profile holds its own."},
      {"escalation_password",
       "With inline credentials: the password for privilege escalation (sudo, su, ...). Not "
       "allowed with credential_profile, whose profile holds its own."}};
  for (const auto& [field, description] : inline_fields) {
    props[field] = {
        {"type", "string"}, {"minLength", 1}, {"maxLength", 256}, {"description", description}};
  }
  json methods = json::array();
  for (const auto m : config::kEscalationMethods) methods.push_back(std::string(m));
  props["escalation"] = {{"type", "string"},
                         {"enum", methods},
                         {"description",
                          "Privilege escalation method: overrides the profile's, or sets the "
                          "inline credentials' (default Nothing)."}};
  json authenticated = {{"type", "object"},
                        {"properties", props},
                        {"required", {"targets", "name"}},
                        {"additionalProperties", false}};
  return r.add(
      {"run_authenticated_scan", "Start an authenticated scan",
       "Starts a credentialed Nessus scan that logs in to the targets with a named credential "
       "profile (SSH with a password, key or certificate; Windows over SMB; SNMPv3; or several "
       "at once for a mixed network), and returns a task_id at once. When the scan ends, "
       "get_scan_status reports per host and per protocol whether the login worked (success, "
       "partial with the missing right, failed with the reason); if it worked nowhere the task "
       "fails with the likely cause.",
       authenticated, submit_output_schema(), submit_annotations()},
      [deps](const json& args, RequestContext& ctx) {
        const auto type = args.value("scan_type", "authenticated") == "authenticated_privileged"
                              ? task::ScanType::AuthenticatedPrivileged
                              : task::ScanType::Authenticated;
        return submit(deps, args, ctx, type);
      });
}

Status add_task_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = r.add(
          {"get_scan_status", "Get a scan's status",
           "Returns a scan task's state (queued, running, completed, failed, cancelled, "
           "timed_out), current step, progress, scanner, queue position with an estimated wait, "
           "timestamps, and on failure the error with a hint. Completed scans include a results "
           "summary and per-host credential results (then read findings with "
           "get_scan_results); a scheduled run's summary has since_previous_run: new, fixed and "
           "still-open counts against the schedule's previous completed run, with the top new "
           "findings. wait_seconds (up to 25) waits for a change "
           "and sends progress notifications meanwhile.",
           json::parse(R"({"type": "object", "properties": {
             "task_id": {"type": "string", "minLength": 1, "maxLength": 64},
             "wait_seconds": {"type": "integer", "minimum": 0, "maximum": 25, "default": 0}},
             "required": ["task_id"], "additionalProperties": false})"),
           task_output_schema(), reader_annotations()},
          [deps](const json& args, RequestContext& ctx) {
            const std::string id = args.at("task_id").get<std::string>();
            const service::ScanService scans(deps);
            auto t = owned_task(deps, id, ctx.principal());
            if (!t) return error_result(t.error());
            const int wait = std::min(args.value("wait_seconds", 0), kMaxWaitSeconds);
            const auto started = std::chrono::steady_clock::now();
            const auto first_state = t->state;
            const auto first_step = t->step;
            // Progress notifications carry the scan's own percentage, the same number as their
            // message, and only when it grew (MCP requires progress to increase).
            double reported = -1;
            for (int waited = 0; waited < wait && !task::is_terminal(t->state);) {
              if (t->progress > reported) {
                reported = t->progress;
                ctx.report_progress(t->progress, 100,
                                    std::string(task::to_string(t->state)) + " (" +
                                        std::string(task::to_string(t->step)) + ", " +
                                        std::to_string(static_cast<int>(t->progress)) + "%)");
              }
              if (!ctx.sleep_for(std::chrono::milliseconds(1000))) break;
              waited = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
              auto again = owned_task(deps, id, ctx.principal());
              if (!again) return error_result(again.error());
              t = std::move(again);
              if (t->state != first_state || t->step != first_step) break;
            }
            const bool completed = t->state == task::State::Completed;
            auto status = scans.status_of(std::move(*t));
            ToolResult result = ToolResult::success(status.to_json());
            if (completed) result.links = scan_links(deps, status.task);
            return result;
          });
      !s) {
    return s;
  }

  if (auto s =
          r.add({"list_tasks", "List your scans",
                 "Lists your scan tasks, newest first, with optional filters: state, pool, target "
                 "(an address, CIDR or host name; matches tasks whose targets overlap it) and name "
                 "(substring). Pages with next_cursor.",
                 json::parse(R"({"type": "object", "properties": {
             "state": {"type": "string", "enum": ["queued", "running", "completed", "failed", "cancelled", "timed_out"]},
             "pool": {"type": "string", "maxLength": 64},
             "target": {"type": "string", "minLength": 1, "maxLength": 256},
             "name": {"type": "string", "minLength": 1, "maxLength": 200},
             "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
             "cursor": {"type": "string", "maxLength": 200}},
             "additionalProperties": false})"),
                 json::parse(R"({"type": "object", "properties": {
             "tasks": {"type": "array", "items": {"type": "object"}},
             "next_cursor": {"type": ["string", "null"]}}, "required": ["tasks", "next_cursor"]})"),
                 reader_annotations()},
                [deps](const json& args, RequestContext& ctx) {
                  service::TaskFilter f;
                  if (args.contains("state"))
                    f.state = task::parse_state(args["state"].get<std::string>());
                  f.pool = args.value("pool", "");
                  f.name_contains = args.value("name", "");
                  f.target = args.value("target", "");
                  f.limit = args.value("limit", 20U);
                  f.cursor = args.value("cursor", "");
                  auto page = service::ScanService(deps).list(caller_of(ctx, "list_tasks"), f);
                  if (!page) return error_result(page.error());
                  return ToolResult::success(page->to_json());
                });
      !s) {
    return s;
  }

  return r.add(
      {"cancel_scan",
       "Cancel a scan",
       "Cancels a scan task. A queued task is cancelled at once; a running one has its Nessus "
       "scan stopped by the worker within moments (state becomes cancelled).",
       json::parse(R"({"type": "object", "properties": {
         "task_id": {"type": "string", "minLength": 1, "maxLength": 64}},
         "required": ["task_id"], "additionalProperties": false})"),
       json::parse(R"({"type": "object", "properties": {
         "task_id": {"type": "string"}, "state": {"type": "string"},
         "cancel_requested": {"type": "boolean"}, "message": {"type": "string"}},
         "required": ["task_id", "state", "message"]})"),
       {false, true, true, true}},
      [deps](const json& args, RequestContext& ctx) {
        const std::string id = args.at("task_id").get<std::string>();
        if (auto valid = check_task_id(id); !valid) return error_result(valid.error());
        auto t = service::ScanService(deps).cancel(caller_of(ctx, "cancel_scan"), id);
        if (!t) return error_result(t.error());
        const bool done = t->state == task::State::Cancelled;
        return ToolResult::success(
            {{"task_id", id},
             {"state", task::to_string(t->state)},
             {"cancel_requested", t->cancel_requested},
             {"message", done ? "Cancelled before it started."
                              : "The worker is stopping the Nessus scan; poll get_scan_status."}});
      });
}

}  // namespace

namespace {

Status add_check_targets(ToolRegistry& registry, const service::Services& deps) {
  return registry.add(
      {"check_targets", "Check targets before scanning",
       "A dry run of run_untrusted_scan / run_authenticated_scan: says, without submitting "
       "anything, whether a scan of these targets in this pool would be accepted, and for each "
       "target whether the pool's scope allows it and which rule decided (the allowed or denied "
       "block, the host-name pattern), with the address count against the pool's limit, and "
       "the pool's scan window (open now or when it opens next), and your remaining quota "
       "(scans this hour, scans in flight, addresses today).",
       json::parse(R"({"type": "object", "properties": {
         "targets": {"type": "string", "minLength": 1, "maxLength": 8192,
                     "description": "As run_untrusted_scan takes them."},
         "pool": {"type": "string", "minLength": 1, "maxLength": 64,
                  "description": "Default: the configured default pool."}},
         "required": ["targets"], "additionalProperties": false})"),
       json::parse(R"({"type": "object", "properties": {
         "pool": {"type": "string"}, "accepted": {"type": "boolean"},
         "address_count": {"type": "integer"}, "max_addresses": {"type": "integer"},
         "targets": {"type": "array", "items": {"type": "object"}},
         "refusal": {"type": "string"}, "hint": {"type": "string"},
         "tenant": {"type": "string"}, "quota": {"type": "object"},
         "scan_window": {"type": ["object", "null"]}},
         "required": ["pool", "accepted", "address_count", "max_addresses", "targets"]})"),
       reader_annotations()},
      [deps](const json& args, RequestContext& ctx) {
        auto check = service::ScanService(deps).dry_run(caller_of(ctx, "check_targets"),
                                                        args.value("pool", ""),
                                                        args["targets"].get<std::string>());
        if (!check) return error_result(check.error());
        return ToolResult::success(check->to_json());
      });
}

}  // namespace

Status register_scan_tools(ToolRegistry& registry, const service::Services& deps) {
  if (deps.tasks == nullptr || deps.submitter == nullptr || deps.scanner_health == nullptr) {
    return fail(ErrorCode::InvalidArgument, "scan tools need a task store");
  }
  if (auto s = add_submit_tools(registry, deps); !s) return s;
  if (auto s = add_check_targets(registry, deps); !s) return s;
  return add_task_tools(registry, deps);
}

}  // namespace nmcp::mcp
