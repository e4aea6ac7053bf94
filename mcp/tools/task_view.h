#pragma once
// How a task looks to an agent: the fields a tool returns (never the idempotency hash, the
// worker's lease, or anything secret), with ISO 8601 times, plus the advice on when to poll
// again. Pure functions; thread-safe.

#include <optional>

#include <nlohmann/json.hpp>

#include "core/task/task.h"

namespace nmcp::mcp {

// The full view for get_scan_status.
nlohmann::json task_view(const task::Task& t);
// The short row for list_tasks.
nlohmann::json task_row(const task::Task& t);
// Seconds until a poll is likely to show something new.
int poll_after_seconds(const task::Task& t);

}  // namespace nmcp::mcp
