#pragma once
// Opens the task store a --store value names. "sqlite:PATH" is the embedded backend (one WAL
// file; its directory is created 0700 when missing). "redis://[user:password@]host:port[/db]"
// or "unix:///path/redis.sock?db=N" is the distributed backend (the password may come from
// $REDIS_PASSWORD; rediss:// is refused until TLS exists). An existing store that is empty,
// damaged or not a nessus-mcp store is refused with how to recover, never replaced.
// Thread-safe.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/store/task_store.h"

namespace nmcp::store {

// Refuse: a missing store is an error and nothing is created (read-only admin commands, which
// must not leave an empty store behind when pointed at the wrong place).
enum class IfMissing { Create, Refuse };

Result<std::unique_ptr<TaskStore>> open_store(const std::string& spec,
                                              IfMissing if_missing = IfMissing::Create);

// The default store under a data directory: sqlite:<data_dir>/nessus-mcp.db
std::string default_store_spec(const std::string& data_dir);

}  // namespace nmcp::store
