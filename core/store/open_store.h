#pragma once
// Opens the task store a --store value names. "sqlite:PATH" is the embedded backend (one WAL
// file; the directory is created). Redis ("redis://...") is reserved for the distributed
// backend and refused with a clear message until it exists. Thread-safe.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/store/task_store.h"

namespace nmcp::store {

Result<std::unique_ptr<TaskStore>> open_store(const std::string& spec);

// The default store under a data directory: sqlite:<data_dir>/nessus-mcp.db
std::string default_store_spec(const std::string& data_dir);

}  // namespace nmcp::store
