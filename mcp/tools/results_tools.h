#pragma once
// The results tools, adapters from MCP onto core/findings: get_scan_results (filter, sort,
// project and page one scan's findings within a token budget), get_finding (one finding in
// full, long texts in chunks), list_scan_hosts, get_host_vulnerabilities and compare_scans.
// They read the findings index the worker wrote; nothing here parses XML or calls Nessus.
// Tasks are visible only to their owner.
//
// Thread-safety: handlers run concurrently; the index cache and opened indexes are thread-safe.

#include "core/base/result.h"
#include "mcp/server/tool_registry.h"
#include "service/services.h"

namespace nmcp::mcp {

Status register_results_tools(ToolRegistry& registry, const service::Services& deps);

}  // namespace nmcp::mcp
