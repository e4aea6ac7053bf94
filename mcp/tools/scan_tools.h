#pragma once
// The product's MCP tools, adapters from MCP calls onto core/: submitting scans
// (run_untrusted_scan, run_authenticated_scan), following them (get_scan_status, list_tasks,
// cancel_scan), and reading the scanner estate (list_scanners, list_pools, get_pool_status,
// get_queue_status). Each checks its input fully before touching the store, answers from the
// store in milliseconds, and returns domain problems as isError results that say what to
// change. Tasks are visible only to their owner (the caller's tenant).
//
// Thread-safety: handlers run concurrently; everything they share is thread-safe.

#include "core/base/result.h"
#include "mcp/server/tool_registry.h"
#include "service/services.h"

namespace nmcp::mcp {

Status register_scan_tools(ToolRegistry& registry, const service::Services& deps);
Status register_scanner_tools(ToolRegistry& registry, const service::Services& deps);

}  // namespace nmcp::mcp
