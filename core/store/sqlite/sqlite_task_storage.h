#pragma once
// The embedded store backend: one SQLite file in WAL mode, storage and atomicity only (the
// rules are lifecycle.h's, applied by LifecycleStore). Each primitive is one BEGIN IMMEDIATE
// transaction, so concurrent threads and processes (nessus-mcp, nessus-worker, admin_cli on
// the same file) never interleave a read-check-write. Tasks are stored as JSON documents with
// the fields queries need copied into indexed columns.
//
// Thread-safety: all methods may be called concurrently (one connection behind a mutex);
// other processes coordinate through SQLite's file locks and a busy timeout.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/store/open_store.h"
#include "core/store/task_storage.h"

namespace nmcp::store {

// `busy_timeout_ms`: how long an operation waits for another process's write before it fails
// with Unavailable.
Result<std::unique_ptr<TaskStorage>> open_sqlite_storage(const std::string& path,
                                                         IfMissing if_missing, int busy_timeout_ms);

}  // namespace nmcp::store
