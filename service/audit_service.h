#pragma once
// AuditService: questions about the audit log of rule decisions (core/audit) for every front
// door: which decisions, of which tenant, since when, allowed or refused. An operator may ask
// about every tenant; a tenant only ever sees its own decisions, whatever it asks for.
//
// Thread-safety: reads the file per call; safe to use from any thread.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/audit/audit_log.h"
#include "service/services.h"

namespace nmcp::service {

struct AuditQuery {
  std::string tenant;         // empty: every tenant the caller may see
  std::int64_t since_ms = 0;  // only decisions at or after
  std::string decision;       // empty, "allow" or "deny"
  std::string file;           // empty: DATA_DIR/audit.log
};

struct AuditAnswer {
  std::string file;
  nlohmann::json events = nlohmann::json::array();  // in file order
  long long unreadable_lines = 0;                   // torn lines after a crash, skipped

  // {"file", "events", "count", "unreadable_lines" when any}
  nlohmann::json to_json() const;
};

class AuditService {
 public:
  explicit AuditService(const Services& s) : s_(s) {}

  // InvalidArgument for a decision other than allow or deny.
  Result<AuditAnswer> decisions(const Caller& who, const AuditQuery& query) const;

 private:
  const Services& s_;
};

}  // namespace nmcp::service
