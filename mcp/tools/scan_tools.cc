#include "mcp/tools/scan_tools.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mcp/server/request_context.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/scan_task_source.h"
#include "mcp/tools/tool_catalogue.h"
#include "mcp/tools/tool_support.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

constexpr int kMaxWaitSeconds = 25;

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
  ToolResult result = ToolResult::success(std::move(out));
  result.task_id = submitted->submitted.task.id;  // an MCP task, for a client that takes them
  return result;
}

Status add_submit_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = add_catalogued(r, "run_untrusted_scan",
                              [deps](const json& args, RequestContext& ctx) {
                                return submit(deps, args, ctx, task::ScanType::Untrusted);
                              });
      !s) {
    return s;
  }
  return add_catalogued(r, "run_authenticated_scan", [deps](const json& args, RequestContext& ctx) {
    const auto type = args.value("scan_type", "authenticated") == "authenticated_privileged"
                          ? task::ScanType::AuthenticatedPrivileged
                          : task::ScanType::Authenticated;
    return submit(deps, args, ctx, type);
  });
}

Status add_task_tools(ToolRegistry& r, const service::Services& deps) {
  if (auto s = add_catalogued(
          r, "get_scan_status",
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
            return scan_status_result(deps, scans.status_of(std::move(*t)));
          });
      !s) {
    return s;
  }

  if (auto s = add_catalogued(r, "list_tasks",
                              [deps](const json& args, RequestContext& ctx) {
                                service::TaskFilter f;
                                if (args.contains("state"))
                                  f.state = task::parse_state(args["state"].get<std::string>());
                                f.pool = args.value("pool", "");
                                f.name_contains = args.value("name", "");
                                f.target = args.value("target", "");
                                f.limit = args.value("limit", 20U);
                                f.cursor = args.value("cursor", "");
                                auto page = service::ScanService(deps).list(
                                    caller_of(ctx, "list_tasks"), f);
                                if (!page) return error_result(page.error());
                                return ToolResult::success(page->to_json());
                              });
      !s) {
    return s;
  }

  return add_catalogued(r, "cancel_scan", [deps](const json& args, RequestContext& ctx) {
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
  return add_catalogued(registry, "check_targets", [deps](const json& args, RequestContext& ctx) {
    auto check =
        service::ScanService(deps).dry_run(caller_of(ctx, "check_targets"), args.value("pool", ""),
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
