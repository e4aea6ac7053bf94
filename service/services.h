#pragma once
// The application layer's dependencies and its caller. Every front door (the MCP tools, the
// resources, admin_cli, and the next ones: MCP tasks, prompts, completions) reaches core/ only
// through service/: it builds a Caller for whoever asks and calls a use case with the Services
// the composition root (app/) wired once.
//
// Thread-safety: the referenced objects are thread-safe; Services and Caller are values.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/audit/audit_log.h"
#include "core/base/clock.h"
#include "core/base/secret_box.h"
#include "core/config/config_holder.h"
#include "core/findings/index_cache.h"
#include "core/store/owner.h"
#include "core/store/task_store.h"
#include "core/task/task.h"

namespace nmcp::service {

class ExportIndexer;

struct Services {
  store::TaskReader* tasks = nullptr;
  store::TaskSubmitter* submitter = nullptr;
  store::ScannerStatusStore* scanner_health = nullptr;
  // Operators' store functions (admin_cli); null in the MCP server.
  store::TaskAdmin* admin = nullptr;
  // The whole store, for operators' maintenance (check, quarantine, migrate); null in servers.
  store::TaskStore* store = nullptr;
  const Clock* clock = &system_clock();
  config::ConfigHolder* config = nullptr;
  std::function<void()> on_submit;  // may be empty (no embedded worker)
  // Seals inline credentials when the configuration allows them; may be null.
  std::shared_ptr<const SecretBox> secrets;
  // Where results live (<data_dir>/results/<task_id>/) and the indexes opened from there.
  std::string data_dir;
  std::shared_ptr<findings::IndexCache> indexes;
  // Schedules, quotas and published key rights (core/recurring, core/quota); may be null.
  store::RecordStore* records = nullptr;
  // Where decisions are recorded (core/audit); may be null.
  std::shared_ptr<audit::AuditLog> audit;
  // Indexes a finished task's export the way the worker does (app/ wires the worker's path);
  // null: reindexing is not offered.
  ExportIndexer* indexer = nullptr;
};

// Who asks: a tenant with its key's rights, or an operator, who sees every tenant.
struct Caller {
  std::string tenant;
  // Its key's pools= (nullopt: every pool) and the kinds of scan its tools= allows (nullopt:
  // every kind).
  std::optional<std::set<std::string>> pools;
  std::optional<std::set<task::ScanType>> scan_types;
  std::string key_id;    // the key's digest; empty on stdio and for operators
  std::string trace_id;  // for the logs and the audit line
  std::string via;       // the front door's name for what is asked, for the audit log
  bool is_operator = false;

  static Caller tenant_of(std::string tenant) {
    Caller c;
    c.tenant = std::move(tenant);
    return c;
  }
  static Caller an_operator(std::string via) {
    Caller c;
    c.is_operator = true;
    c.via = std::move(via);
    return c;
  }
  // Whose tasks it may see: its own, or every tenant's for an operator.
  store::OwnerScope scope() const {
    return is_operator ? store::OwnerScope::everyone() : store::OwnerScope::tenant(tenant);
  }
};

}  // namespace nmcp::service
