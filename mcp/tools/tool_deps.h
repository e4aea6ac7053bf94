#pragma once
// What the product tools need from below the MCP layer: the parts of the task store tools may
// use (reading, submitting and cancelling, scanner health; never leases or dead letters), the
// live scanner configuration, a clock, and a way to tell an embedded worker that work arrived.
// Tools never call Nessus: scanner health comes from the store, where workers publish it.
//
// Thread-safety: the referenced objects are thread-safe; ToolDeps is copied into handlers.

#include <functional>
#include <memory>
#include <string>

#include "core/audit/audit_log.h"
#include "core/base/clock.h"
#include "core/base/secret_box.h"
#include "core/config/config_holder.h"
#include "core/findings/index_cache.h"
#include "core/store/task_store.h"

namespace nmcp::mcp {

struct ToolDeps {
  store::TaskReader* tasks = nullptr;
  store::TaskSubmitter* submitter = nullptr;
  store::ScannerStatusStore* scanner_health = nullptr;
  const Clock* clock = &system_clock();
  config::ConfigHolder* config = nullptr;
  std::function<void()> on_submit;  // may be empty (no embedded worker)
  // Seals inline credentials when the configuration allows them; may be null.
  std::shared_ptr<const SecretBox> secrets;
  // Where results live (<data_dir>/results/<task_id>/) and the indexes opened from there; the
  // results tools answer "not available" without them.
  std::string data_dir;
  std::shared_ptr<findings::IndexCache> indexes;
  // Where schedules live (core/recurring); null: the schedule tools are not offered.
  store::RecordStore* records = nullptr;
  // Where submit decisions are recorded (core/audit); may be null.
  std::shared_ptr<audit::AuditLog> audit;
};

}  // namespace nmcp::mcp
