#pragma once
// The schedule tools: schedule_scan, list_schedules, update_schedule, delete_schedule. Adapters
// from MCP calls onto core/recurring: a schedule is owned by the caller's tenant and checked
// against the submit rules (scope, pool, the key's pools, credential profile) when created or
// changed; the firing itself happens on the store's schedules leader, not here.
//
// Thread-safety: handlers run concurrently; everything they share is thread-safe.

#include "core/base/result.h"
#include "mcp/server/tool_registry.h"
#include "service/services.h"

namespace nmcp::mcp {

Status register_schedule_tools(ToolRegistry& registry, const service::Services& deps);

}  // namespace nmcp::mcp
