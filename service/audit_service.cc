#include "service/audit_service.h"

#include <utility>

namespace nmcp::service {

using nlohmann::json;

json AuditAnswer::to_json() const {
  json doc = {{"file", file}, {"events", events}, {"count", events.size()}};
  if (unreadable_lines > 0) doc["unreadable_lines"] = unreadable_lines;
  return doc;
}

Result<AuditAnswer> AuditService::decisions(const Caller& who, const AuditQuery& query) const {
  if (!query.decision.empty() && query.decision != "allow" && query.decision != "deny") {
    return fail(ErrorCode::InvalidArgument,
                "the decision is allow or deny, not \"" + query.decision.substr(0, 40) + "\"");
  }
  audit::AuditFilter filter;
  // A tenant sees its own decisions only.
  filter.tenant = who.is_operator ? query.tenant : who.tenant;
  filter.since_ms = query.since_ms;
  filter.decision = query.decision;
  AuditAnswer answer;
  answer.file = !query.file.empty() ? query.file : s_.data_dir + "/audit.log";
  if (auto s = audit::read_audit(
          answer.file, filter, [&answer](const json& e) { answer.events.push_back(e); },
          &answer.unreadable_lines);
      !s) {
    return fail(s.error());
  }
  return answer;
}

}  // namespace nmcp::service
