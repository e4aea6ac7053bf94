#pragma once
// The cursor of a task list page: where the last page ended, in the order every backend lists
// tasks (created_at, then id). One format for every backend, so a cursor is opaque to callers
// and means the same wherever it is read. Pure; thread-safe.

#include <string>
#include <utility>

#include "core/base/result.h"
#include "core/task/task.h"

namespace nmcp::store {

std::string encode_cursor(const task::Task& last);
// The same for a position known by its creation time and id (a page that stopped mid-scan).
std::string encode_cursor(task::Millis created_at, const std::string& id);
// InvalidArgument (with what to do) for text encode_cursor could not have made.
Result<std::pair<task::Millis, std::string>> decode_cursor(const std::string& cursor);

}  // namespace nmcp::store
