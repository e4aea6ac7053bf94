// audit: read the audit log of rule decisions, filtered (service/audit_service.h).
#include <cstdio>

#include "app/admin/admin.h"
#include "service/audit_service.h"

namespace nmcp::admin {
namespace {

int cmd_audit(Context& c) {
  service::AuditQuery query;
  query.tenant = c.args.value("--tenant").value_or("");
  query.decision = c.args.value("--decision").value_or("");
  query.file = c.args.value("--file").value_or("");
  if (!query.decision.empty() && query.decision != "allow" && query.decision != "deny") {
    return c.usage("--decision takes allow or deny, not \"" + query.decision + "\"");
  }
  if (auto since = c.args.value("--since")) {
    auto t = parse_since(*since, "--since", c.clock.now());
    if (!t) return c.usage(t.error().message + " (" + t.error().hint + ")");
    query.since_ms = *t;
  }
  auto services = c.services_without_store();
  if (!services) return c.fail(services.error());
  auto answer = service::AuditService(*services).decisions(
      service::Caller::an_operator("admin_cli audit"), query);
  if (!answer) return c.fail(answer.error());
  const json doc = answer->to_json();
  const json& events = doc["events"];
  const std::string& path = answer->file;
  const long long skipped = answer->unreadable_lines;
  c.out.result(doc, [&] {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : events) {
      rows.push_back(
          {e.value("time", ""), e.value("tenant", ""), e.value("tool", ""), e.value("pool", ""),
           e.value("decision", ""), e.value("targets", ""),
           e.value("rule", "") +
               (e.contains("subject") ? " [" + e.value("subject", "") + "]" : std::string())});
    }
    c.out.table({"TIME", "TENANT", "TOOL", "POOL", "DECISION", "TARGETS", "RULE"}, rows,
                "no matching decisions in " + path);
    if (skipped > 0) std::printf("%lld unreadable line(s) skipped\n", skipped);
  });
  return 0;
}

}  // namespace

std::vector<Command> audit_commands() {
  return {
      {{"audit"},
       "",
       "the audit log: every allow and deny decision (scope, tool and pool authorisation) with "
       "time, tenant, tool, pool, targets and the rule that decided",
       {{"--tenant", "T", "only this tenant's decisions"},
        {"--since", "WHEN",
         "only from then: 2026-12-01, 2026-12-01T22:00:00Z, or back from now: 24h, 7d, 2w"},
        {"--decision", "allow|deny", "only allowed or only refused calls"},
        {"--file", "PATH", "another audit log (default DATA_DIR/audit.log)"}},
       cmd_audit},
  };
}

}  // namespace nmcp::admin
