#pragma once
// Test-only tools, registered by `nessus-mcp --test-tools` (a flag --help does not advertise).
// They exercise the protocol layer end to end before any product tool exists: structured
// output, validation errors, handler exceptions, progress, cancellation, logging and
// redaction, plus the fixture tools the official MCP conformance suite calls
// (test_simple_text, test_tool_with_progress, ...). Never registered in production.

#include <memory>

#include "core/base/result.h"
#include "mcp/server/resource_provider.h"
#include "mcp/server/tool_registry.h"

namespace nmcp::mcp {

Status register_test_tools(ToolRegistry& registry);

// The fixture resources the conformance suite reads: test://static-text, test://static-binary
// and the template test://template/{id}/data.
std::shared_ptr<const ResourceProvider> make_test_resources();

}  // namespace nmcp::mcp
