#pragma once
// ScanTaskSource: the scan tasks as MCP tasks (mcp/server/task_source.h). A submit's task id is
// the MCP task id. Queued and running scans are "working" (with why a queued one waits, as the
// status view says it); a completed scan is "completed" with the result get_scan_status gives
// for it; a scan that failed or timed out is "completed" with that result marked isError (the
// work failed, not the protocol); a cancelled one is "cancelled". pollIntervalMs follows the
// status view's poll hint, ttlMs the housekeeping retention. Owner-scoped through the
// application layer: another tenant's task is "no such task".
//
// Thread-safety: holds only its Services; every call may run concurrently.

#include "mcp/server/task_source.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

class ScanTaskSource final : public TaskSource {
 public:
  explicit ScanTaskSource(service::Services deps) : deps_(std::move(deps)) {}

  Result<TaskSnapshot> get(const Principal& principal, const std::string& id) const override;
  Result<TaskSnapshot> cancel(const Principal& principal, const std::string& id) const override;
  Result<TaskPage> list(const Principal& principal, const std::string& cursor,
                        std::size_t limit) const override;
  std::string read_tool() const override { return "get_scan_status"; }
  std::string cancel_tool() const override { return "cancel_scan"; }

 private:
  // The task as the wire shows it; with its result (the status view and the links, which read
  // the results folder) only when `with_result` (tasks/get, not a listing).
  TaskSnapshot snapshot(service::TaskStatus status, bool with_result) const;
  service::Services deps_;
};

// The get_scan_status result for a task's status view: the view, and for a completed task the
// links to its results.
ToolResult scan_status_result(const service::Services& deps, service::TaskStatus status);

}  // namespace nmcp::mcp
