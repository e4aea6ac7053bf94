#pragma once
// Test-only tools, registered by `nessus-mcp --test-tools` (a flag --help does not advertise).
// They exercise the protocol layer end to end before any product tool exists: structured
// output, validation errors, handler exceptions, progress, cancellation, logging and
// redaction, plus the fixture tools the official MCP conformance suite calls
// (test_simple_text, test_tool_with_progress, ...). Never registered in production.

#include "core/base/result.h"
#include "mcp/server/tool_registry.h"

namespace nmcp::mcp {

Status register_test_tools(ToolRegistry& registry);

}  // namespace nmcp::mcp
