// audit: read the audit log of rule decisions (core/audit), filtered.
#include <cstdio>

#include "app/admin/admin.h"
#include "core/audit/audit_log.h"

namespace nmcp::admin {
namespace {

int cmd_audit(Context& c) {
  audit::AuditFilter filter;
  filter.tenant = c.args.value("--tenant").value_or("");
  filter.decision = c.args.value("--decision").value_or("");
  if (!filter.decision.empty() && filter.decision != "allow" && filter.decision != "deny") {
    return c.usage("--decision takes allow or deny, not \"" + filter.decision + "\"");
  }
  if (auto since = c.args.value("--since")) {
    auto t = parse_since(*since, "--since", c.clock.now());
    if (!t) return c.usage(t.error().message + " (" + t.error().hint + ")");
    filter.since_ms = *t;
  }
  const std::string path = c.args.value("--file").value_or(c.engine.data_dir + "/audit.log");
  json events = json::array();
  long long skipped = 0;
  if (auto s = audit::read_audit(
          path, filter, [&events](const json& e) { events.push_back(e); }, &skipped);
      !s) {
    return c.fail(s.error());
  }
  json doc = {{"file", path}, {"events", events}, {"count", events.size()}};
  if (skipped > 0) doc["unreadable_lines"] = skipped;
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
